package webtest

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, string(b)
}

func TestCorpusIsDeterministicAndServesPosts(t *testing.T) {
	t.Parallel()
	a, b := NewCorpus(t), NewCorpus(t)
	pa, pb := a.Posts(), b.Posts()
	require.Equal(t, len(pa), len(pb))
	for i := range pa {
		assert.Equal(t, pa[i].Title, pb[i].Title)
		assert.Equal(t, pa[i].Sections, pb[i].Sections)
	}
	titles := map[string]bool{}
	for _, p := range pa {
		assert.False(t, titles[p.URL], "duplicate post URL %s", p.URL)
		titles[p.URL] = true
		status, body := get(t, p.URL)
		assert.Equal(t, 200, status, p.URL)
		assert.Contains(t, body, p.FirstParagraph()[:40])
	}
	assert.NotEmpty(t, a.RelevantURLs())
	assert.NotEmpty(t, a.IrrelevantURLs())
	assert.Len(t, a.DisallowedURLs(), 2)
	for _, u := range a.IrrelevantURLs() {
		p, ok := a.Post(u)
		require.True(t, ok)
		text := strings.ToLower(strings.Join(p.Sections, " "))
		for _, kw := range []string{"postgres", "golang", "database"} {
			assert.NotContains(t, text, kw, "cooking post mentions %s", kw)
		}
	}
	assert.Equal(t, 2, a.DisallowedHits(), "the two members-only posts were requested above and counted")
	assert.GreaterOrEqual(t, len(a.Requests()), len(pa))
}

func TestLargeCorpusGeneratesOnRequest(t *testing.T) {
	t.Parallel()
	c := NewLargeCorpus(t, 1001)
	total := 0
	for _, s := range c.Sites() {
		total += s.posts.count()
	}
	assert.Equal(t, 1001, total)
	s := c.Sites()[1]
	p := s.posts.post(s.posts.count() - 1)
	status, body := get(t, p.URL)
	assert.Equal(t, 200, status)
	assert.Contains(t, body, p.FirstParagraph()[:40])
	status, _ = get(t, s.URL+"/post/nothing-99999")
	assert.Equal(t, 404, status)
	assert.Empty(t, c.Requests(), "large corpus keeps no request log")
	assert.Equal(t, int64(2), c.TotalRequests())
}
