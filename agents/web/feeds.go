package web

import (
	"bytes"
	"context"
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

// summaryBytes caps a candidate's summary.
const summaryBytes = 300

// fromFeeds uses the seed when it is a feed, else the first feed (linked
// or at a common path) that has items.
func (d *discovery) fromFeeds(ctx context.Context, page *Page) error {
	var urls []string
	if page != nil {
		if isFeedBody(page.Body) {
			return d.addFeed(ctx, page)
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
		fp, err := d.f.Fetch(ctx, fu, feedTypes...)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			continue
		}
		if err := d.addFeed(ctx, fp); err != nil {
			return err
		}
		if len(d.out) > 0 {
			return nil
		}
	}
	return nil
}

// isFeedBody reports whether body parses as RSS, Atom or JSON Feed.
func isFeedBody(body []byte) bool {
	return gofeed.DetectFeedType(bytes.NewReader(body)) != gofeed.FeedTypeUnknown
}

// addFeed parses a feed page and adds its items.
func (d *discovery) addFeed(ctx context.Context, p *Page) error {
	feed, err := gofeed.NewParser().Parse(bytes.NewReader(p.Body))
	if err != nil {
		return nil
	}
	base, err := url.Parse(p.FinalURL)
	if err != nil {
		return nil
	}
	if feed.Link != "" {
		if l, err := base.Parse(feed.Link); err == nil && l.IsAbs() {
			base = l
		}
	}
	for _, it := range feed.Items {
		if d.full() {
			break
		}
		link := it.Link
		if link == "" && len(it.Links) > 0 {
			link = it.Links[0]
		}
		if link == "" && strings.HasPrefix(it.GUID, "http") {
			link = it.GUID
		}
		if link == "" {
			continue
		}
		pub := it.PublishedParsed
		if pub == nil {
			pub = it.UpdatedParsed
		}
		if pub != nil {
			pub = saneTime(*pub)
		}
		summary := it.Description
		if summary == "" {
			summary = it.Content
		}
		if err := d.add(ctx, base, Candidate{
			URL:       link,
			Title:     it.Title,
			Published: pub,
			Summary:   capText(plainText(summary), summaryBytes),
			Source:    SourceFeed,
		}); err != nil {
			return err
		}
	}
	return nil
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
		if b.Len() > 4*summaryBytes {
			return strings.Join(strings.Fields(b.String()), " ")
		}
	}
}
