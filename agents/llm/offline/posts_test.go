package offline

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
)

// testPost is one realistic blog post of testdata/posts.json.
type testPost struct {
	URL      string   `json:"url"`
	Title    string   `json:"title"`
	Site     string   `json:"site"`
	Keywords []string `json:"keywords"`
	Text     string   `json:"text"`
}

func loadPosts(t testing.TB) []testPost {
	t.Helper()
	raw, err := os.ReadFile("testdata/posts.json")
	require.NoError(t, err)
	var posts []testPost
	require.NoError(t, json.Unmarshal(raw, &posts))
	require.Len(t, posts, 20)
	return posts
}

func (p testPost) context() *agents.PostContext {
	return &agents.PostContext{Title: p.Title, URL: p.URL, Site: p.Site, Text: p.Text, Keywords: p.Keywords}
}
