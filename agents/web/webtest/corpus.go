package webtest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Request is one request a corpus server received.
type Request struct {
	// Site is the Site.Name that served it ("traps" for the trap server).
	Site string
	// Host is the Host header (127.0.0.1:port).
	Host string
	// Path and RawQuery are from the request URL.
	Path     string
	RawQuery string
	// UserAgent is the User-Agent header.
	UserAgent string
	// At is when the handler started.
	At time.Time
}

// Corpus is a set of local blog sites and trap pages.
type Corpus struct {
	sites []*Site
	traps *trapServer
	seed  uint64

	logOn bool
	mu    sync.Mutex
	log   []Request
	total atomic.Int64
}

// Option customises NewCorpus.
type Option func(*corpusConfig)

type corpusConfig struct {
	seed      uint64
	perSite   int
	slowDelay time.Duration
	hugeBytes int64
}

// WithSeed changes the text generator seed (default 1).
func WithSeed(seed uint64) Option { return func(c *corpusConfig) { c.seed = seed } }

// WithPostsPerSite sets how many ordinary posts each site has (default 6, at least 3).
func WithPostsPerSite(n int) Option { return func(c *corpusConfig) { c.perSite = max(n, 3) } }

// WithSlowDelay sets how long the slow page waits before answering (default 3s).
func WithSlowDelay(d time.Duration) Option { return func(c *corpusConfig) { c.slowDelay = d } }

// WithHugeBytes sets the size of the huge pages (default 8 MiB).
func WithHugeBytes(n int64) Option { return func(c *corpusConfig) { c.hugeBytes = n } }

// NewCorpus starts the standard corpus; its servers close with t's cleanup.
//
// Sites (Site.Name): "pgnotes" (WordPress-style, RSS at /feed, linked;
// open and closed WordPress comments; JSON-LD), "gopherlog" (Atom at
// /atom.xml, not linked, found by probing; Disqus; robots.txt disallows
// /members/, whose posts are in the feed), "queryplans" (RSS only
// discoverable through <link rel="alternate">; feed links carry utm_*
// parameters and one item appears twice; native comment form, one closed),
// "indexonly" (no feed; sitemap index named in robots.txt), "linkfarm"
// (no feed, no sitemap; posts linked from the home page and /blog/; one
// giscus embed), and "kitchen" (an off-topic cooking blog with RSS). The
// trap server is not a seed: see SlowURL and the other *URL methods.
func NewCorpus(t Cleaner, opts ...Option) *Corpus {
	t.Helper()
	cfg := corpusConfig{seed: 1, perSite: 6, slowDelay: 3 * time.Second, hugeBytes: 8 << 20}
	for _, o := range opts {
		o(&cfg)
	}
	c := &Corpus{seed: cfg.seed, logOn: true}
	n := cfg.perSite
	specs := []*siteSpec{
		{name: "pgnotes", title: "Postgres Notes", tagline: "Field notes on running PostgreSQL in production.",
			topic: TopicPostgres, wordpress: true, meta: metaJSONLD, feedKind: "rss", feedPath: "/feed",
			feedLinked: true, pathStyle: "wordpress",
			commentStyle: func(i int) string {
				if i == 2 {
					return CommentsWordPressClosed
				}
				return CommentsWordPressOpen
			}},
		{name: "gopherlog", title: "Gopher Logbook", tagline: "Notes from writing Go services for a living.",
			topic: TopicGolang, meta: metaOGArticle, feedKind: "atom", feedPath: "/atom.xml",
			disallowPrefix: "/members/", disallowed: 2, pathStyle: "posts",
			commentStyle: func(int) string { return CommentsDisqus }},
		{name: "queryplans", title: "Query Plans", tagline: "Database performance, one EXPLAIN at a time.",
			topic: TopicDBPerf, meta: metaTimeRel, feedKind: "rss", feedPath: "/syndication/posts.rss",
			feedLinked: true, feedTracking: true, feedDuplicate: true, homeTracking: true, pathStyle: "articles",
			commentStyle: func(i int) string {
				if i == 1 {
					return CommentsNativeClosed
				}
				return CommentsNativeOpen
			}},
		{name: "indexonly", title: "Index Only Scan", tagline: "Postgres and database performance write-ups.",
			topic: TopicPostgres, meta: metaJSONLDGraph, sitemap: true, pathStyle: "dated"},
		{name: "linkfarm", title: "Goroutine Garden", tagline: "Small essays about Go.",
			topic: TopicGolang, meta: metaAuthorTime, listingPath: "/blog/", homeLinks: 2, pathStyle: "notes",
			commentStyle: func(i int) string {
				if i == 0 {
					return CommentsGiscus
				}
				return CommentsNone
			}},
		{name: "kitchen", title: "Weeknight Kitchen", tagline: "Simple dinners for busy evenings.",
			topic: TopicCooking, wordpress: true, meta: metaOGArticle, feedKind: "rss", feedPath: "/rss.xml",
			feedLinked: true, pathStyle: "wordpress",
			commentStyle: func(int) string { return CommentsWordPressOpen }},
	}
	for i, sp := range specs {
		sp.index = i
		sp.regular = n
		site := &Site{Name: sp.name, Topic: sp.topic, spec: sp, corpus: c}
		site.Server = httptest.NewServer(site.handler())
		t.Cleanup(site.Server.Close)
		site.URL = site.Server.URL
		stored := &storedPosts{byPath: map[string]int{}}
		for j := 0; j < n+sp.disallowed; j++ {
			p := generatePost(cfg.seed, sp, j, true)
			p.URL = site.URL + p.Path // as published: WordPress keeps the slash
			stored.list = append(stored.list, p)
			stored.byPath[p.Path] = j
		}
		site.posts = stored
		c.sites = append(c.sites, site)
	}
	c.traps = newTrapServer(t, c, cfg.slowDelay, cfg.hugeBytes)
	return c
}

// record logs a request.
func (c *Corpus) record(s *Site, r *http.Request) {
	name := "traps"
	if s != nil {
		name = s.Name
	}
	c.recordAs(name, r)
}

func (c *Corpus) recordAs(site string, r *http.Request) {
	c.total.Add(1)
	if !c.logOn {
		return
	}
	c.mu.Lock()
	c.log = append(c.log, Request{Site: site, Host: r.Host, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		UserAgent: r.UserAgent(), At: time.Now()})
	c.mu.Unlock()
}

// Sites lists the corpus's sites (not the trap server).
func (c *Corpus) Sites() []*Site { return slices.Clone(c.sites) }

// Site returns the site with that name, or nil.
func (c *Corpus) Site(name string) *Site {
	for _, s := range c.sites {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// SeedURLs lists every site's home page.
func (c *Corpus) SeedURLs() []string {
	out := make([]string, len(c.sites))
	for i, s := range c.sites {
		out[i] = s.SeedURL()
	}
	return out
}

// Posts lists every post of every site, disallowed ones included.
func (c *Corpus) Posts() []Post {
	var out []Post
	for _, s := range c.sites {
		for i := range s.posts.count() {
			out = append(out, s.posts.post(i))
		}
	}
	return out
}

// Post returns the post with that canonical URL.
func (c *Corpus) Post(canonicalURL string) (Post, bool) {
	for _, s := range c.sites {
		if !strings.HasPrefix(canonicalURL, s.URL+"/") {
			continue
		}
		path := strings.TrimPrefix(canonicalURL, s.URL)
		if i, ok := s.posts.find(path); ok {
			return s.posts.post(i), true
		}
	}
	return Post{}, false
}

func (c *Corpus) urls(keep func(Post) bool) []string {
	var out []string
	for _, s := range c.sites {
		for i := range s.posts.count() {
			if p := s.posts.meta(i); keep(p) {
				out = append(out, p.URL)
			}
		}
	}
	return out
}

// RelevantURLs are the canonical URLs of on-topic posts a crawler may fetch.
func (c *Corpus) RelevantURLs() []string {
	return c.urls(func(p Post) bool { return p.Relevant && !p.Disallowed })
}

// IrrelevantURLs are the canonical URLs of the off-topic (cooking) posts.
func (c *Corpus) IrrelevantURLs() []string {
	return c.urls(func(p Post) bool { return !p.Relevant && !p.Disallowed })
}

// DisallowedURLs are the canonical URLs of posts robots.txt forbids.
func (c *Corpus) DisallowedURLs() []string {
	return c.urls(func(p Post) bool { return p.Disallowed })
}

// Requests returns a copy of the request log, in arrival order.
func (c *Corpus) Requests() []Request {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.log)
}

// TotalRequests counts every request served (also when the log is off).
func (c *Corpus) TotalRequests() int64 { return c.total.Load() }

// Hits counts requests to rawURL's host and path (query ignored).
func (c *Corpus) Hits(rawURL string) int {
	host, path := splitURL(rawURL)
	n := 0
	for _, r := range c.Requests() {
		if r.Host == host && strings.TrimSuffix(r.Path, "/") == strings.TrimSuffix(path, "/") {
			n++
		}
	}
	return n
}

// HitsUnder counts requests to a site whose path starts with prefix.
func (c *Corpus) HitsUnder(site, prefix string) int {
	n := 0
	for _, r := range c.Requests() {
		if r.Site == site && strings.HasPrefix(r.Path, prefix) {
			n++
		}
	}
	return n
}

// DisallowedHits counts requests to any path a site's robots.txt forbids.
func (c *Corpus) DisallowedHits() int {
	n := 0
	for _, s := range c.sites {
		if s.spec.disallowPrefix != "" {
			n += c.HitsUnder(s.Name, s.spec.disallowPrefix)
		}
	}
	return n
}

// ResetRequests clears the request log.
func (c *Corpus) ResetRequests() {
	c.mu.Lock()
	c.log = nil
	c.mu.Unlock()
}

func splitURL(raw string) (host, path string) {
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	host, path, _ = strings.Cut(rest, "/")
	path = "/" + path
	path, _, _ = strings.Cut(path, "?")
	path, _, _ = strings.Cut(path, "#")
	return host, path
}

// String names the corpus's sites and URLs, for test logs.
func (c *Corpus) String() string {
	var b strings.Builder
	for _, s := range c.sites {
		fmt.Fprintf(&b, "%s %s\n", s.Name, s.URL)
	}
	return b.String()
}
