package web

import (
	"bytes"
	"context"
	"io"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/PuerkitoBio/goquery"
	"github.com/mmcdole/gofeed"
	"golang.org/x/net/html"
)

// feedTypes are the media types feeds are served as.
var feedTypes = []string{
	"application/rss+xml", "application/atom+xml", "application/feed+json",
	"application/rdf+xml", "application/xml", "text/xml", "application/json", "text/plain",
}

// maxFeedTries bounds how many feed URLs one seed may probe.
const maxFeedTries = 8

// maxFeedPages bounds the pages of one paged feed that are read.
const maxFeedPages = 100

// fromFeeds uses the seed when it is a feed, else the first feed (linked
// or at a common path) that has items, following its next pages. Feeds
// are read as they stream, a page at a time.
func (d *discovery) fromFeeds(ctx context.Context, page *Page) error {
	var urls []string
	if page != nil {
		if isFeedBody(page.Body) {
			next := d.readFeed(page.FinalURL, bytes.NewReader(page.Body))
			if err := d.flushLater(ctx); err != nil {
				return err
			}
			return d.feedPages(ctx, page.FinalURL, next, map[string]bool{CanonicalURL(page.FinalURL): true})
		}
		urls = linkedFeeds(page)
	}
	urls = append(urls, commonFeedURLs(d.seed)...)
	tried := make(map[string]bool)
	for _, fu := range urls {
		c := CanonicalURL(fu)
		if tried[c] || len(tried) >= maxFeedTries {
			continue
		}
		tried[c] = true
		finalURL, next, err := d.streamFeed(ctx, fu)
		if err != nil {
			return err
		}
		if d.n > 0 {
			return d.feedPages(ctx, finalURL, next, tried)
		}
	}
	return nil
}

// feedPages reads a feed's next pages until there are none, discovery is
// full or maxFeedPages were read.
func (d *discovery) feedPages(ctx context.Context, from, next string, seen map[string]bool) error {
	for pages := 1; next != "" && !d.full() && pages < maxFeedPages; pages++ {
		base, err := url.Parse(from)
		if err != nil {
			return nil
		}
		nu, err := base.Parse(next)
		if err != nil {
			return nil
		}
		canon := CanonicalURL(nu.String())
		if seen[canon] {
			return nil
		}
		seen[canon] = true
		if from, next, err = d.streamFeed(ctx, nu.String()); err != nil {
			return err
		}
	}
	return nil
}

// streamFeed reads one feed page as it streams and hands its items over;
// it returns the URL that answered and the feed's next page. A page that
// cannot be read is skipped; only ctx's and found's errors are returned.
func (d *discovery) streamFeed(ctx context.Context, feedURL string) (finalURL, next string, err error) {
	finalURL = feedURL
	serr := d.f.Stream(ctx, feedURL, feedTypes, func(p *Page, body io.Reader) error {
		finalURL = p.FinalURL
		next = d.readFeed(p.FinalURL, body)
		return nil
	})
	if serr != nil && ctx.Err() != nil {
		return finalURL, "", ctx.Err()
	}
	return finalURL, next, d.flushLater(ctx)
}

// isFeedBody reports whether body parses as RSS, Atom or JSON Feed.
func isFeedBody(body []byte) bool {
	return gofeed.DetectFeedType(bytes.NewReader(body)) != gofeed.FeedTypeUnknown
}

// readFeed keeps a feed's items in later as they are read from body,
// until full, and returns the feed's next page. Item links resolve
// against the feed's site link, else its own URL. A feed that breaks off
// keeps the items read before the break.
func (d *discovery) readFeed(feedURL string, body io.Reader) (next string) {
	base, err := url.Parse(feedURL)
	if err != nil {
		return ""
	}
	var siteBase *url.URL
	next, _ = readFeed(body, func(site string, it feedItem) bool {
		if siteBase == nil {
			siteBase = base
			if site != "" {
				if l, err := base.Parse(site); err == nil && l.IsAbs() {
					siteBase = l
				}
			}
		}
		if it.Link != "" {
			d.addLater(siteBase, Candidate{URL: it.Link, Title: it.Title, Published: it.Published, Source: SourceFeed})
		}
		return !d.full()
	})
	return next
}

// linkedFeeds lists <link rel="alternate"> feed URLs of an HTML page.
func linkedFeeds(p *Page) []string {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(p.Body))
	if err != nil {
		return nil
	}
	base, err := url.Parse(p.FinalURL)
	if err != nil {
		return nil
	}
	var out []string
	doc.Find(`link[href]`).Each(func(_ int, s *goquery.Selection) {
		rel := strings.Fields(strings.ToLower(s.AttrOr("rel", "")))
		typ := strings.ToLower(strings.TrimSpace(s.AttrOr("type", "")))
		if !slices.Contains(rel, "alternate") {
			return
		}
		switch typ {
		case "application/rss+xml", "application/atom+xml", "application/feed+json", "application/rdf+xml":
		default:
			return
		}
		if u, err := base.Parse(strings.TrimSpace(s.AttrOr("href", ""))); err == nil {
			out = append(out, u.String())
		}
	})
	return out
}

// commonFeedURLs are the usual feed locations: beside a non-root seed,
// then at the site root.
func commonFeedURLs(seed *url.URL) []string {
	root := &url.URL{Scheme: seed.Scheme, Host: seed.Host}
	var out []string
	if dir := strings.TrimSuffix(seed.Path, "/"); dir != "" {
		for _, name := range []string{"feed", "index.xml", "feed.xml"} {
			out = append(out, root.ResolveReference(&url.URL{Path: path.Join(dir, name)}).String())
		}
	}
	for _, p := range []string{"/feed", "/rss.xml", "/atom.xml", "/index.xml", "/feed.xml"} {
		out = append(out, root.ResolveReference(&url.URL{Path: p}).String())
	}
	return out
}

// plainTextBytes bounds the text plainText gathers.
const plainTextBytes = 2048

// plainText turns an HTML fragment into single-spaced text.
func plainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			b.Write(z.Text())
			b.WriteByte(' ')
		}
		if b.Len() > plainTextBytes {
			return strings.Join(strings.Fields(b.String()), " ")
		}
	}
}
