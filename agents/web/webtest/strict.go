package webtest

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
)

// StrictSite is a fixture host that answers only the exact request URIs
// it was given (path and query byte for byte) and 404 for anything else:
// no slash redirect, no path cleaning, no redirects at all. A crawler that
// rewrites a published URL finds nothing on it.
type StrictSite struct {
	// URL is the site's base URL, "http://127.0.0.1:port", no trailing slash.
	URL string
	// Server is the running test server.
	Server *httptest.Server

	mu     sync.Mutex
	pages  map[string]strictPage
	hits   map[string]int
	misses []string
}

type strictPage struct{ contentType, body string }

// NewStrictSite starts an empty strict site, closed when t ends.
func NewStrictSite(t testing.TB) *StrictSite {
	s := &StrictSite{pages: map[string]strictPage{}, hits: map[string]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Server.Close)
	s.URL = s.Server.URL
	return s
}

func (s *StrictSite) serve(w http.ResponseWriter, r *http.Request) {
	uri := r.RequestURI
	s.mu.Lock()
	p, ok := s.pages[uri]
	if ok {
		s.hits[uri]++
	} else {
		s.misses = append(s.misses, uri)
	}
	s.mu.Unlock()
	if !ok {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", p.contentType)
	fmt.Fprint(w, p.body)
}

// Handle serves body with contentType at exactly requestURI (a path and
// optional query, as the client will send it).
func (s *StrictSite) Handle(requestURI, contentType, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pages[requestURI] = strictPage{contentType, body}
}

// Hits is how many times requestURI was served.
func (s *StrictSite) Hits(requestURI string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[requestURI]
}

// Misses lists the request URIs answered 404, in order.
func (s *StrictSite) Misses() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.misses)
}

// StrictPost is a post page on a StrictSite.
type StrictPost struct {
	// URI is the post's request URI as published ("/posts/x/").
	URI string
	// Title is its headline.
	Title string
}

// PostPage renders a small article page for p, its canonical link the URL
// as published; signals adds og:type=article and JSON-LD BlogPosting.
func (s *StrictSite) PostPage(p StrictPost, signals bool) string {
	var head strings.Builder
	fmt.Fprintf(&head, "<title>%s</title>\n<link rel=\"canonical\" href=\"%s\">\n", html.EscapeString(p.Title), html.EscapeString(s.URL+p.URI))
	if signals {
		head.WriteString(`<meta property="og:type" content="article">` + "\n")
		fmt.Fprintf(&head, `<script type="application/ld+json">{"@context":"https://schema.org","@type":"BlogPosting","headline":%q}</script>`+"\n", p.Title)
	}
	return fmt.Sprintf(`<!doctype html><html lang="en"><head><meta charset="utf-8">
%s</head><body><main><article><h1>%s</h1>
<p>%s is a post about tending a small garden through a dry summer, watering at dawn and mulching the beds so the soil keeps what little rain falls.</p>
<p>We kept notes on every bed for a season and compared the yields with the year before, when nothing was mulched at all.</p>
</article></main></body></html>`, head.String(), html.EscapeString(p.Title), html.EscapeString(p.Title))
}

// AddPosts serves every post's page at its URI.
func (s *StrictSite) AddPosts(posts []StrictPost, signals bool) {
	for _, p := range posts {
		uri, _, _ := strings.Cut(p.URI, "#")
		s.Handle(uri, "text/html; charset=utf-8", s.PostPage(p, signals))
	}
}
