package webtest

import (
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"time"
)

// siteSpec describes how one generated site is laid out.
type siteSpec struct {
	name, title, tagline, topic string
	index                       int
	wordpress                   bool
	meta                        string
	feedKind                    string // "rss", "atom" or "" for none
	feedPath                    string
	feedLinked                  bool // <link rel="alternate"> on every page
	feedTracking                bool // feed links carry utm_* parameters
	feedDuplicate               bool // the first item appears twice
	feedPage                    int  // items per feed page (?page=N, RFC 5005 next links); 0: one page
	homeTracking                bool // home links carry ?ref=home
	sitemap                     bool // robots.txt Sitemap: line and a sitemap index
	listingPath                 string
	homeLinks                   int // links-only sites: how many posts the home page links
	disallowPrefix              string
	disallowed                  int // extra posts under disallowPrefix
	regular                     int // posts before the disallowed ones
	pathStyle                   string
	commentStyle                func(i int) string
}

// postPath is the site's URL path for a post.
func (s *siteSpec) postPath(p Post, slug string) string {
	switch s.pathStyle {
	case "wordpress":
		return p.Published.Format("/2006/01/") + slug + "/"
	case "dated":
		return p.Published.Format("/2006/") + slug
	case "notes":
		return "/notes/" + slug
	case "articles":
		return "/articles/" + slug
	case "large":
		return "/post/" + slug
	}
	return "/posts/" + slug
}

func (s *siteSpec) comments(i int) string {
	if s.commentStyle == nil {
		return CommentsNone
	}
	return s.commentStyle(i)
}

// postSource yields a site's posts, stored or generated on request.
type postSource interface {
	count() int
	post(i int) Post
	meta(i int) Post // like post, but Sections may be empty
	find(path string) (int, bool)
}

// Site is one host of a corpus.
type Site struct {
	// Name is a short identifier ("pgnotes").
	Name string
	// Topic is the site's Topic* constant.
	Topic string
	// URL is the site's base URL, "http://127.0.0.1:port", no trailing slash.
	URL string
	// Server is the running test server.
	Server *httptest.Server

	spec   *siteSpec
	posts  postSource
	corpus *Corpus
}

// SeedURL is the site's home page.
func (s *Site) SeedURL() string { return s.URL + "/" }

// handler serves the site.
func (s *Site) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.corpus.record(s, r)
		s.serve(w, r)
	})
}

func (s *Site) serve(w http.ResponseWriter, r *http.Request) {
	sp, base, p := s.spec, s.URL, r.URL.Path
	html := func() { w.Header().Set("Content-Type", "text/html; charset=utf-8") }
	xml := func(ct string) { w.Header().Set("Content-Type", ct) }
	switch {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "# robots.txt for %s\nUser-agent: *\n", sp.title)
		if sp.disallowPrefix != "" {
			fmt.Fprintf(w, "Disallow: %s\n", sp.disallowPrefix)
		}
		fmt.Fprintf(w, "Disallow: /wp-admin/\nAllow: /wp-admin/admin-ajax.php\n\nUser-agent: BadBot\nDisallow: /\n")
		if sp.sitemap {
			fmt.Fprintf(w, "\nSitemap: %s/sitemap_index.xml\n", base)
		}
		return
	case p == "/":
		html()
		s.serveHome(w)
		return
	case sp.feedKind != "" && p == sp.feedPath:
		posts, next, ok := s.feedPage(r)
		if !ok {
			http.NotFound(w, r)
			return
		}
		if sp.feedKind == "atom" {
			xml("application/atom+xml; charset=utf-8")
			renderAtom(w, sp, base, posts, next)
		} else {
			xml("application/rss+xml; charset=utf-8")
			renderRSS(w, sp, base, posts, sp.feedDuplicate, next)
		}
		return
	case sp.wordpress && p == "/comments/feed/":
		xml("application/rss+xml; charset=utf-8")
		renderRSS(w, sp, base, slices.Values([]Post(nil)), false, "")
		return
	case sp.sitemap && p == "/sitemap_index.xml":
		xml("application/xml")
		renderSitemapIndex(w, base, []string{"/page-sitemap.xml", "/post-sitemap.xml"})
		return
	case sp.sitemap && p == "/post-sitemap.xml":
		xml("application/xml")
		renderURLSet(w, base, func(yield func(string, time.Time) bool) {
			for pp := range s.all(false) {
				if !yield(pp.Path, pp.Published) {
					return
				}
			}
		})
		return
	case sp.sitemap && p == "/page-sitemap.xml":
		xml("application/xml")
		renderURLSet(w, base, func(yield func(string, time.Time) bool) {
			for _, p := range []string{"/", "/about/", "/contact/", "/privacy/"} {
				if !yield(p, time.Time{}) {
					return
				}
			}
		})
		return
	case sp.listingPath != "" && (p == sp.listingPath || p == strings.TrimSuffix(sp.listingPath, "/")):
		html()
		renderIndex(w, sp, base, "All posts", slices.Collect(s.all(false)), nil, false)
		return
	case p == "/about/" || p == "/contact/" || p == "/privacy/":
		html()
		name := strings.Trim(p, "/")
		renderPage(w, sp, base, strings.ToUpper(name[:1])+name[1:], sp.tagline)
		return
	}
	if i, ok := s.posts.find(p); ok {
		post := s.posts.post(i)
		if post.Path != p {
			http.Redirect(w, r, post.Path, http.StatusMovedPermanently)
			return
		}
		html()
		renderPost(w, sp, base, post, s.recent(i))
		return
	}
	http.NotFound(w, r)
}

// all yields the site's posts one at a time, so a large site's feed or
// sitemap is written without holding every post; withDisallowed includes
// those robots.txt forbids.
func (s *Site) all(withDisallowed bool) iter.Seq[Post] {
	return func(yield func(Post) bool) {
		for i := range s.posts.count() {
			p := s.posts.meta(i)
			if p.Disallowed && !withDisallowed {
				continue
			}
			if !yield(p) {
				return
			}
		}
	}
}

// feedPage is the page of the feed r asks for (?page=N, from 1) and the
// URL of the next one ("" on the last); ok is false for a page past the end.
func (s *Site) feedPage(r *http.Request) (posts iter.Seq[Post], next string, ok bool) {
	sp := s.spec
	if sp.feedPage <= 0 {
		return s.all(true), "", true
	}
	page := 1
	if q := r.URL.Query().Get("page"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 {
			return nil, "", false
		}
		page = n
	}
	from, total := (page-1)*sp.feedPage, s.posts.count()
	if from >= total && page > 1 {
		return nil, "", false
	}
	to := min(from+sp.feedPage, total)
	if to < total {
		next = fmt.Sprintf("%s%s?page=%d", s.URL, sp.feedPath, page+1)
	}
	return func(yield func(Post) bool) {
		for i := from; i < to; i++ {
			if !yield(s.posts.meta(i)) {
				return
			}
		}
	}, next, true
}

// recent lists up to five other posts for a sidebar.
func (s *Site) recent(skip int) []Post {
	var out []Post
	for i := 0; i < s.posts.count() && len(out) < 5; i++ {
		if p := s.posts.meta(i); i != skip && !p.Disallowed {
			out = append(out, p)
		}
	}
	return out
}

func (s *Site) serveHome(w http.ResponseWriter) {
	sp := s.spec
	limit := 20
	if sp.homeLinks > 0 {
		limit = min(sp.homeLinks, limit)
	}
	var posts []Post
	for p := range s.all(true) {
		if len(posts) == limit {
			break
		}
		posts = append(posts, p)
	}
	var links []string
	if sp.listingPath != "" {
		links = append(links, fmt.Sprintf("<p class=\"more\"><a href=\"%s\">Older posts &rarr;</a></p>", sp.listingPath))
	}
	renderIndex(w, sp, s.URL, sp.title, posts, links, sp.homeTracking)
}

// storedPosts is a small site's posts, generated once.
type storedPosts struct {
	list   []Post
	byPath map[string]int
}

func (sp *storedPosts) count() int      { return len(sp.list) }
func (sp *storedPosts) post(i int) Post { return sp.list[i] }
func (sp *storedPosts) meta(i int) Post { return sp.list[i] }
func (sp *storedPosts) find(path string) (int, bool) {
	if i, ok := sp.byPath[path]; ok {
		return i, true
	}
	// WordPress answers the slash-less form with a redirect.
	i, ok := sp.byPath[path+"/"]
	return i, ok
}

// generatedPosts makes post i on request from its index in the path.
type generatedPosts struct {
	seed uint64
	spec *siteSpec
	n    int
	base string
}

func (g *generatedPosts) count() int { return g.n }
func (g *generatedPosts) post(i int) Post {
	p := generatePost(g.seed, g.spec, i, true)
	p.URL = g.base + p.Path
	return p
}

func (g *generatedPosts) meta(i int) Post {
	p := generatePost(g.seed, g.spec, i, false)
	p.URL = g.base + p.Path
	return p
}

// find reads the index from "/post/<slug>-<n>" (n is 1-based).
func (g *generatedPosts) find(path string) (int, bool) {
	rest, ok := strings.CutPrefix(path, "/post/")
	if !ok {
		return 0, false
	}
	j := strings.LastIndexByte(rest, '-')
	n, err := strconv.Atoi(rest[j+1:])
	if err != nil || n < 1 || n > g.n {
		return 0, false
	}
	return n - 1, true
}
