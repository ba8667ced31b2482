package searxng

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func server(t *testing.T, status int, body string, delay time.Duration) (*httptest.Server, *url.Values) {
	t.Helper()
	var mu sync.Mutex
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
		if r.URL.Path != "/search" {
			http.NotFound(w, r)
			return
		}
		if delay > 0 {
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv, &got
}

func results(n int) string {
	var parts []string
	for i := range n {
		parts = append(parts, fmt.Sprintf(`{"url":"https://blog%d.example/post","title":" Post %d ","content":"snippet %d","engine":"ddg"}`, i, i, i))
	}
	return `{"query":"q","number_of_results":0,"results":[` + strings.Join(parts, ",") + `]}`
}

func TestSearch(t *testing.T) {
	t.Parallel()
	srv, got := server(t, 200, results(5), 0)
	c, err := New(Config{BaseURL: srv.URL + "/", Language: "en", Categories: "general"})
	require.NoError(t, err)
	res, err := c.Search(context.Background(), "  postgres queue  ", 3)
	require.NoError(t, err)
	require.Len(t, res, 3)
	assert.Equal(t, "https://blog0.example/post", res[0].URL)
	assert.Equal(t, "Post 0", res[0].Title)
	assert.Equal(t, "snippet 0", res[0].Snippet)
	assert.Equal(t, "postgres queue", got.Get("q"))
	assert.Equal(t, "json", got.Get("format"))
	assert.Equal(t, "en", got.Get("language"))
	assert.Equal(t, "general", got.Get("categories"))
}

func TestSearchCapsAndFilters(t *testing.T) {
	t.Parallel()
	body := `{"results":[
		{"url":"https://a.example/1","title":"a"},
		{"url":"https://a.example/1","title":"dup"},
		{"url":"javascript:alert(1)","title":"bad"},
		{"url":"","title":"empty"},
		{"url":"/relative","title":"relative"},
		{"url":"http://b.example/2","title":"b"}]}`
	srv, _ := server(t, 200, body, 0)
	c, err := New(Config{BaseURL: srv.URL})
	require.NoError(t, err)
	res, err := c.Search(context.Background(), "q", 0)
	require.NoError(t, err)
	require.Len(t, res, 2)
	assert.Equal(t, "https://a.example/1", res[0].URL)
	assert.Equal(t, "http://b.example/2", res[1].URL)

	srv2, _ := server(t, 200, results(30), 0)
	c2, err := New(Config{BaseURL: srv2.URL, MaxResults: 4})
	require.NoError(t, err)
	res, err = c2.Search(context.Background(), "q", 100)
	require.NoError(t, err)
	assert.Len(t, res, 4, "MaxResults caps limit")
}

func TestSearchErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, body, want string
		status           int
	}{
		{"non-200", "oops", "HTTP 500", 500},
		{"json disabled", "Forbidden", "json format enabled", 403},
		{"malformed JSON", `{"results":[`, "malformed JSON", 200},
		{"html", "<html>hi</html>", "malformed JSON", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := server(t, tc.status, tc.body, 0)
			c, err := New(Config{BaseURL: srv.URL})
			require.NoError(t, err)
			_, err = c.Search(context.Background(), "q", 5)
			require.ErrorContains(t, err, tc.want)
		})
	}
}

func TestSearchTimeout(t *testing.T) {
	t.Parallel()
	srv, _ := server(t, 200, results(1), 2*time.Second)
	c, err := New(Config{BaseURL: srv.URL, Timeout: 50 * time.Millisecond})
	require.NoError(t, err)
	start := time.Now()
	_, err = c.Search(context.Background(), "q", 5)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
}

func TestSearchEmptyQueryAndConfig(t *testing.T) {
	t.Parallel()
	c, err := New(Config{BaseURL: "http://127.0.0.1:1"})
	require.NoError(t, err)
	_, err = c.Search(context.Background(), "  ", 5)
	require.ErrorContains(t, err, "empty query")
	_, err = New(Config{})
	require.Error(t, err)
	_, err = New(Config{BaseURL: "ftp://x"})
	require.Error(t, err)
	_, err = New(Config{BaseURL: "http://x", MaxResults: -1})
	require.Error(t, err)
}
