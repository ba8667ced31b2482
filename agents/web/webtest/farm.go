package webtest

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"
)

// ListenLoopback starts srv's handler on its own loopback address,
// 127.0.0.n (Linux routes all of 127/8 to lo), so each server is a
// distinct host, not only a distinct port. n is taken modulo 254, plus 1.
func ListenLoopback(t testing.TB, n int, h http.Handler) *httptest.Server {
	t.Helper()
	ip := fmt.Sprintf("127.0.%d.%d", (n/254)%254, n%254+1)
	l, err := net.Listen("tcp", ip+":0")
	if err != nil {
		t.Fatalf("webtest: listen on %s: %v", ip, err)
	}
	srv := httptest.NewUnstartedServer(h)
	_ = srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// FarmHit is one request a Farm host received.
type FarmHit struct {
	// Path is the request path.
	Path string
	// At is when the request arrived.
	At time.Time
}

// Farm is a set of small blogs, each on its own loopback host: a home page
// naming its RSS feed, the feed, and its posts (on databases, with an open
// comment form). It records every request per host with its time.
type Farm struct {
	// Hosts are the blogs' base URLs, in order.
	Hosts []string
	mu    sync.Mutex
	hits  map[string][]FarmHit
}

// NewFarm starts hosts blogs of posts posts each; robots is every host's
// robots.txt ("" allows everything).
func NewFarm(t testing.TB, hosts, posts int, robots string) *Farm {
	t.Helper()
	f := &Farm{hits: map[string][]FarmHit{}}
	if robots == "" {
		robots = "User-agent: *\nAllow: /\n"
	}
	for i := range hosts {
		var base string
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f.mu.Lock()
			f.hits[base] = append(f.hits[base], FarmHit{Path: r.URL.Path, At: time.Now()})
			f.mu.Unlock()
			ServeFarmPage(w, r, base, i, posts, robots)
		})
		srv := ListenLoopback(t, i, h)
		base = srv.URL
		f.Hosts = append(f.Hosts, base)
	}
	return f
}

// SeedURLs returns every host's home page.
func (f *Farm) SeedURLs() []string {
	out := make([]string, len(f.Hosts))
	for i, h := range f.Hosts {
		out[i] = h + "/"
	}
	return out
}

// Hits returns a copy of the requests host (a base URL) received, in order.
func (f *Farm) Hits(host string) []FarmHit {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.hits[host])
}

// Reset forgets every recorded request.
func (f *Farm) Reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	clear(f.hits)
}

// MaxHits is the most requests any one host received.
func (f *Farm) MaxHits() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, hs := range f.hits {
		n = max(n, len(hs))
	}
	return n
}

// ServeFarmPage answers r with the page of a Farm host: blog number site
// at base (its URL without a trailing slash) with posts posts, robots as
// its robots.txt. Programs that place the blogs themselves (the loadtest's
// speed scenario) serve the same pages with it.
func ServeFarmPage(w http.ResponseWriter, r *http.Request, base string, site, posts int, robots string) {
	switch p := r.URL.Path; p {
	case "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, robots)
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Blog %d</title>
<link rel="alternate" type="application/rss+xml" href="%s/feed.xml"></head>
<body><h1>Blog %d</h1><p>Notes on databases.</p></body></html>`, site, base, site)
	case "/feed.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog %d</title><link>%s/</link>`, site, base)
		for j := range posts {
			fmt.Fprintf(w, `<item><title>Postgres index tuning %d.%d</title><link>%s/posts/%d</link><pubDate>%s</pubDate></item>`,
				site, j, base, j, time.Date(2026, 1, 1+j, 0, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
		}
		fmt.Fprint(w, `</channel></rss>`)
	default:
		var j int
		if _, err := fmt.Sscanf(p, "/posts/%d", &j); err != nil || j < 0 || j >= posts {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Postgres index tuning %d.%d</title>
<link rel="canonical" href="%s/posts/%d"></head><body><article><h1>Postgres index tuning %d.%d</h1>`, site, j, base, j, site, j)
		for k := range 6 {
			fmt.Fprintf(w, `<p>Paragraph %d: a Go service sends each query to the Postgres database; the right index turns a sequential scan into an index scan, and the query planner picks it when statistics are fresh. We measured the query with and without the index on blog %d, post %d.</p>`, k, site, j)
		}
		fmt.Fprint(w, `</article><section id="comments"><h2>Leave a comment</h2><form method="post" action="/comment"><textarea name="comment"></textarea><button>Post comment</button></form></section></body></html>`)
	}
}
