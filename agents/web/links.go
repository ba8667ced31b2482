package web

import (
	"bytes"
	"context"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// maxLinkPages bounds the pages fetched by link discovery, besides the
// seed: listings, and links whose path cannot tell, read for the page's
// own signals.
const maxLinkPages = 20

// linkDepth is how far from the seed link discovery goes: posts linked
// from the seed or from a listing page the seed links to.
const linkDepth = 2

// fromLinks walks same-site links from the seed page: links whose path
// (relative to the seed's, so a blog under /team-blog/ is judged by what
// follows) looks like a post are candidates; the others are fetched, up to
// linkDepth and maxLinkPages, and become candidates when the page says it
// is an article (og:type=article, JSON-LD Article/BlogPosting, one
// <article>), else are read as listings for more links.
func (d *discovery) fromLinks(ctx context.Context, seedPage *Page) error {
	if seedPage == nil || isFeedBody(seedPage.Body) {
		return nil
	}
	type queued struct {
		url   string
		depth int
	}
	visited := map[string]bool{CanonicalURL(seedPage.FinalURL): true}
	base := seedBase(d.seed)
	var queue []queued
	pages := 0
	page, depth := seedPage, 0
	for {
		for _, l := range pageLinks(page) {
			if d.full() {
				return nil
			}
			canon := CanonicalURL(l.url.String())
			if visited[canon] || !sameSite(d.seed, l.url) || !pageLike(l.url) {
				continue
			}
			visited[canon] = true
			switch {
			case isPostLikeUnder(l.url, base):
				if err := d.add(ctx, d.seed, Candidate{URL: l.url.String(), Title: capText(l.text, 200), Source: SourceLinks}); err != nil {
					return err
				}
			case depth+1 < linkDepth && !neverFollow(l.url):
				queue = append(queue, queued{l.url.String(), depth + 1})
			}
		}
		var next *Page
		for next == nil && len(queue) > 0 && pages < maxLinkPages && !d.full() {
			q := queue[0]
			queue = queue[1:]
			pages++
			p, err := d.f.Fetch(ctx, q.url)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue
			}
			if IsArticlePage(p.Body) {
				if err := d.add(ctx, d.seed, Candidate{URL: q.url, Source: SourceLinks}); err != nil {
					return err
				}
			}
			next, depth = p, q.depth
		}
		if next == nil {
			return nil
		}
		page = next
	}
}

type pageLink struct {
	url  *url.URL
	text string
}

// pageLinks lists a page's <a href> links, resolved, without fragments.
func pageLinks(p *Page) []pageLink {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(p.Body))
	if err != nil {
		return nil
	}
	base, err := url.Parse(p.FinalURL)
	if err != nil {
		return nil
	}
	if h, ok := doc.Find("base[href]").First().Attr("href"); ok {
		if b, err := base.Parse(strings.TrimSpace(h)); err == nil {
			base = b
		}
	}
	var out []pageLink
	doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
		rel := strings.ToLower(s.AttrOr("rel", ""))
		if strings.Contains(rel, "nofollow") {
			return
		}
		u, err := base.Parse(strings.TrimSpace(s.AttrOr("href", "")))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		u.Fragment, u.RawFragment = "", ""
		out = append(out, pageLink{url: u, text: strings.Join(strings.Fields(s.Text()), " ")})
	})
	return out
}

// assetExts are file types that are never posts or listings.
var assetExts = map[string]bool{
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".svg": true,
	".ico": true, ".css": true, ".js": true, ".pdf": true, ".zip": true, ".gz": true,
	".xml": true, ".json": true, ".txt": true, ".mp3": true, ".mp4": true, ".webm": true,
	".woff": true, ".woff2": true, ".ttf": true, ".rss": true, ".atom": true,
}

// pageLike rejects assets and feeds.
func pageLike(u *url.URL) bool {
	return !assetExts[strings.ToLower(path.Ext(u.Path))]
}

// nonPostSegments are path segments of pages that are not posts.
var nonPostSegments = map[string]bool{
	"tag": true, "tags": true, "category": true, "categories": true, "topics": true,
	"author": true, "authors": true, "page": true, "search": true, "about": true,
	"contact": true, "login": true, "register": true, "signup": true, "wp-admin": true,
	"wp-login.php": true, "feed": true, "rss": true, "privacy": true, "privacy-policy": true,
	"terms": true, "archive": true, "archives": true, "cart": true, "account": true,
	"subscribe": true, "newsletter": true, "cdn-cgi": true, "static": true, "assets": true,
	"wp-content": true, "wp-includes": true, "comments": true,
}

// isNonPost reports the site root and pages under a non-post segment.
func isNonPost(u *url.URL) bool { return isNonPostSegs(segments(u)) }

func isNonPostSegs(segs []string) bool {
	if len(segs) == 0 {
		return true
	}
	for _, s := range segs {
		if nonPostSegments[strings.ToLower(s)] {
			return true
		}
	}
	return false
}

// neverFollow are links that lead to accounts, admin or search, not content.
func neverFollow(u *url.URL) bool {
	for _, s := range segments(u) {
		switch strings.ToLower(s) {
		case "login", "register", "signup", "wp-admin", "wp-login.php", "cart", "account", "search", "cdn-cgi":
			return true
		}
	}
	return false
}

var (
	dateSegment = regexp.MustCompile(`^(19|20)\d\d$`)
	postPrefix  = map[string]bool{"blog": true, "posts": true, "post": true, "articles": true, "article": true, "p": true, "notes": true, "writing": true, "entries": true, "entry": true}
)

// isPostLikeUnder is isPostLikeSegs on the part of u's path below base (the
// seed's directory segments), when u lies below it.
func isPostLikeUnder(u *url.URL, base []string) bool {
	return isPostLikeSegs(relSegments(segments(u), base))
}

// seedBase is the seed's directory as path segments: its path without a
// last segment that names a file (index.html).
func seedBase(seed *url.URL) []string {
	segs := segments(seed)
	if n := len(segs); n > 0 && path.Ext(segs[n-1]) != "" {
		segs = segs[:n-1]
	}
	return segs
}

// relSegments strips base from the front of segs when segs lies strictly
// below it; otherwise segs comes back whole.
func relSegments(segs, base []string) []string {
	if len(base) == 0 || len(segs) <= len(base) {
		return segs
	}
	for i, b := range base {
		if !strings.EqualFold(segs[i], b) {
			return segs
		}
	}
	return segs[len(base):]
}

// isPostLikeSegs guesses from a link's path segments whether it is a single
// post: a dated path, a /blog/<slug> path, or a long hyphenated slug.
func isPostLikeSegs(segs []string) bool {
	if isNonPostSegs(segs) {
		return false
	}
	last := segs[len(segs)-1]
	if len(segs) >= 2 {
		for _, s := range segs[:len(segs)-1] {
			if dateSegment.MatchString(s) {
				return true
			}
		}
		if postPrefix[strings.ToLower(segs[0])] {
			return true
		}
	}
	return strings.Count(last, "-") >= 2 && len(last) >= 12
}

func segments(u *url.URL) []string {
	var out []string
	for _, s := range strings.Split(u.Path, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
