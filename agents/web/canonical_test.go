package web_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kpbot/kpbot/agents/web"
)

func TestCanonicalURL(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"HTTPS://Blog.Example.COM:443/Post/?utm_source=rss&utm_medium=feed#comments", "https://blog.example.com/Post/"},
		{"http://example.com:80", "http://example.com/"},
		{"http://example.com:8080/a/", "http://example.com:8080/a/"},
		{"https://example.com/posts/x/", "https://example.com/posts/x/"},
		{"https://example.com/posts/x", "https://example.com/posts/x"},
		{"https://example.com/a/b/..", "https://example.com/a/"},
		{"https://example.com/a/./b/.", "https://example.com/a/b/"},
		{"https://example.com/%7euser/caf%c3%a9", "https://example.com/~user/caf%C3%A9"},
		{"https://example.com/p?q=a%2fb&x=%7e", "https://example.com/p?q=a%2Fb&x=~"},
		{"https://example.com/100%", "https://example.com/100%"}, // invalid escape: left as written
		{"https://example.com/a/b/../c/./d", "https://example.com/a/c/d"},
		{"https://example.com/p?b=2&a=1&fbclid=x&gclid=y&ref=hn&mc_cid=1&mc_eid=2", "https://example.com/p?a=1&b=2"},
		{"https://example.com/p?id=5&utm_campaign=z", "https://example.com/p?id=5"},
		{"https://user:pw@example.com/p", "https://example.com/p"},
		{"https://example.com./p", "https://example.com/p"},
		{"https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"},
		{"  https://example.com/p  ", "https://example.com/p"},
		{"https://example.com/a%2Fb", "https://example.com/a%2Fb"},
		{"https://example.com/?", "https://example.com/"},
		{"mailto:a@example.com", "mailto:a@example.com"},
		{"/relative/path", "/relative/path"},
		{"not a url", "not a url"},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, web.CanonicalURL(tc.in), tc.in)
		assert.Equal(t, tc.want, web.CanonicalURL(web.CanonicalURL(tc.in)), "idempotent: %s", tc.in)
	}
}

func TestCanonicalFromHTML(t *testing.T) {
	t.Parallel()
	page := func(href string) []byte {
		return []byte(`<html><head><title>x</title><link rel="stylesheet" href="/s.css"><link rel="Canonical" href="` + href + `"></head><body><link rel="canonical" href="https://evil.example/late"></body></html>`)
	}
	cases := []struct {
		name, pageURL, href, want string
		ok                        bool
	}{
		{"relative", "https://blog.example.com/p?utm_source=x", "/posts/p/", "https://blog.example.com/posts/p/", true},
		{"www sibling", "https://blog.example.com/p", "https://www.example.com/p", "https://www.example.com/p", true},
		{"http to https", "http://example.com/p", "https://example.com/p", "https://example.com/p", true},
		{"other site", "https://blog.example.com/p", "https://other.example.org/p", "", false},
		{"other port", "http://127.0.0.1:8080/p", "http://127.0.0.1:9090/p", "", false},
		{"public suffix", "https://alice.github.io/p", "https://bob.github.io/p", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := web.CanonicalFromHTML(tc.pageURL, page(tc.href))
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
			if tc.ok {
				assert.Equal(t, tc.want, web.CanonicalURL(tc.pageURL, page(tc.href)))
			} else {
				assert.Equal(t, web.CanonicalURL(tc.pageURL), web.CanonicalURL(tc.pageURL, page(tc.href)))
			}
		})
	}
	_, ok := web.CanonicalFromHTML("https://e.example/p", []byte(`<html><body><link rel="canonical" href="/x"></body></html>`))
	assert.False(t, ok, "a canonical link in the body is ignored")
}

func TestURLSet(t *testing.T) {
	s := web.NewURLSet()
	assert.True(t, s.Add("https://a.example/1"))
	assert.True(t, s.Add("https://a.example/2"))
	assert.False(t, s.Add("https://a.example/1"))
	assert.True(t, s.Add(""))
	assert.False(t, s.Add(""))
	assert.Equal(t, 3, s.Len())
}
