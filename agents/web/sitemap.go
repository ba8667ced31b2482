package web

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"net/url"
	"sort"
	"strings"
)

// sitemapTypes are the media types sitemaps are served as.
var sitemapTypes = []string{
	"application/xml", "text/xml", "application/x-gzip", "application/gzip",
	"application/octet-stream", "text/plain",
}

// maxSitemapFetches bounds sitemap documents read per seed (indexes included).
const maxSitemapFetches = 10

// sitemapDoc is a <urlset> or a <sitemapindex>.
type sitemapDoc struct {
	URLs     []sitemapEntry `xml:"url"`
	Sitemaps []sitemapEntry `xml:"sitemap"`
}

type sitemapEntry struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
}

// fromSitemaps reads the sitemaps named in robots.txt and /sitemap.xml,
// following indexes one level, and adds same-site, post-like URLs,
// newest lastmod first.
func (d *discovery) fromSitemaps(ctx context.Context, _ *Page) error {
	var queue []string
	if rules, err := d.f.robotsFor(ctx, d.seed); err == nil {
		queue = append(queue, rules.sitemaps()...)
	} else if ctx.Err() != nil {
		return ctx.Err()
	}
	root := url.URL{Scheme: d.seed.Scheme, Host: d.seed.Host}
	queue = append(queue, root.JoinPath("sitemap.xml").String())

	var entries []sitemapEntry
	fetched := map[string]bool{}
	for depth := 0; depth < 2 && len(queue) > 0; depth++ {
		var next []string
		for _, su := range queue {
			c := CanonicalURL(su)
			if fetched[c] || len(fetched) >= maxSitemapFetches {
				continue
			}
			fetched[c] = true
			p, err := d.f.Fetch(ctx, su, sitemapTypes...)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				continue
			}
			doc := parseSitemap(p.Body, d.f.cfg.MaxBodyBytes)
			entries = append(entries, doc.URLs...)
			next = append(next, childSitemaps(doc.Sitemaps)...)
		}
		queue = next
	}

	sort.SliceStable(entries, func(i, j int) bool {
		return strings.TrimSpace(entries[i].LastMod) > strings.TrimSpace(entries[j].LastMod)
	})
	for _, e := range entries {
		if d.full() {
			break
		}
		u, err := d.seed.Parse(strings.TrimSpace(e.Loc))
		if err != nil || !sameSite(d.seed, u) || !pageLike(u) || isNonPost(u) {
			continue
		}
		if err := d.add(ctx, d.seed, Candidate{URL: u.String(), Published: parseDate(e.LastMod), Source: SourceSitemap}); err != nil {
			return err
		}
	}
	return nil
}

// childSitemaps orders an index's children with post sitemaps first.
func childSitemaps(children []sitemapEntry) []string {
	var posts, rest []string
	for _, c := range children {
		loc := strings.TrimSpace(c.Loc)
		if loc == "" {
			continue
		}
		if strings.Contains(strings.ToLower(loc), "post") {
			posts = append(posts, loc)
		} else {
			rest = append(rest, loc)
		}
	}
	return append(posts, rest...)
}

// parseSitemap reads an XML sitemap, a gzipped one, or a plain list of URLs.
func parseSitemap(body []byte, limit int64) sitemapDoc {
	if bytes.HasPrefix(body, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			return sitemapDoc{}
		}
		body, err = readCapped(zr, limit, -1, true)
		if err != nil {
			return sitemapDoc{}
		}
	}
	var doc sitemapDoc
	if err := xml.Unmarshal(body, &doc); err == nil {
		return doc
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
			doc.URLs = append(doc.URLs, sitemapEntry{Loc: line})
		}
	}
	return doc
}
