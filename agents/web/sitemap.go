package web

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"container/heap"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
)

// sitemapTypes are the media types sitemaps are served as.
var sitemapTypes = []string{
	"application/xml", "text/xml", "application/x-gzip", "application/gzip",
	"application/octet-stream", "text/plain",
}

// maxSitemapFetches bounds sitemap documents read per seed (indexes included).
const maxSitemapFetches = 10

// maxSitemapChildren bounds the child sitemaps one index may name.
const maxSitemapChildren = 1000

// sitemapEntry is one <url> or <sitemap> of a sitemap.
type sitemapEntry struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod"`
}

// fromSitemaps reads the sitemaps named in robots.txt and /sitemap.xml,
// following indexes one level, and adds same-site, post-like URLs,
// newest lastmod first. Sitemaps are read as they stream and only the
// newest entries that can still be added are held, so a sitemap of any
// length costs the same memory.
func (d *discovery) fromSitemaps(ctx context.Context, _ *Page) error {
	var queue []string
	if rules, err := d.f.robotsFor(ctx, d.seed); err == nil {
		queue = append(queue, rules.sitemaps()...)
	} else if ctx.Err() != nil {
		return ctx.Err()
	}
	root := url.URL{Scheme: d.seed.Scheme, Host: d.seed.Host}
	queue = append(queue, root.JoinPath("sitemap.xml").String())

	newest := &newestURLs{max: d.max - d.n}
	fetched := map[string]bool{}
	for depth := 0; depth < 2 && len(queue) > 0; depth++ {
		var next []sitemapEntry
		for _, su := range queue {
			c := CanonicalURL(su)
			if fetched[c] || len(fetched) >= maxSitemapFetches {
				continue
			}
			fetched[c] = true
			err := d.f.Stream(ctx, su, sitemapTypes, func(_ *Page, body io.Reader) error {
				return readSitemap(body, d.f.cfg.MaxBodyBytes, func(e sitemapEntry, child bool) {
					switch {
					case child:
						if len(next) < maxSitemapChildren {
							next = append(next, e)
						}
					default:
						d.offerSitemapURL(newest, e)
					}
				})
			})
			if err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
		}
		queue = childSitemaps(next)
	}

	for _, e := range newest.sorted() {
		if d.full() {
			break
		}
		if err := d.place(ctx, e.c, e.u); err != nil {
			return err
		}
	}
	return nil
}

// offerSitemapURL admits a same-site, post-like sitemap URL into newest.
func (d *discovery) offerSitemapURL(newest *newestURLs, e sitemapEntry) {
	u, err := d.seed.Parse(strings.TrimSpace(e.Loc))
	if err != nil || !sameSite(d.seed, u) || !pageLike(u) || isNonPost(u) {
		return
	}
	c, cu, ok := d.admit(d.seed, Candidate{URL: u.String(), Source: SourceSitemap})
	if !ok {
		return
	}
	c.Published = parseDate(e.LastMod)
	newest.offer(strings.TrimSpace(e.LastMod), c, cu)
}

// newestURLs keeps the max sitemap candidates with the newest lastmod
// (earlier entries first among equals) in a heap whose root is the one to
// drop next.
type newestURLs struct {
	max   int
	seq   int
	items []newestItem
}

type newestItem struct {
	lastMod string
	seq     int
	c       Candidate
	u       *url.URL
}

// worse reports whether a sorts after b (older, or later in the sitemap).
func (a newestItem) worse(b newestItem) bool {
	if a.lastMod != b.lastMod {
		return a.lastMod < b.lastMod
	}
	return a.seq > b.seq
}

func (n *newestURLs) Len() int           { return len(n.items) }
func (n *newestURLs) Less(i, j int) bool { return n.items[i].worse(n.items[j]) }
func (n *newestURLs) Swap(i, j int)      { n.items[i], n.items[j] = n.items[j], n.items[i] }
func (n *newestURLs) Push(x any)         { n.items = append(n.items, x.(newestItem)) }
func (n *newestURLs) Pop() any {
	last := n.items[len(n.items)-1]
	n.items = n.items[:len(n.items)-1]
	return last
}

func (n *newestURLs) offer(lastMod string, c Candidate, u *url.URL) {
	if n.max <= 0 {
		return
	}
	it := newestItem{lastMod: lastMod, seq: n.seq, c: c, u: u}
	n.seq++
	if len(n.items) < n.max {
		heap.Push(n, it)
		return
	}
	if n.items[0].worse(it) {
		n.items[0] = it
		heap.Fix(n, 0)
	}
}

// sorted returns the kept entries, best first: newest lastmod, then
// sitemap order.
func (n *newestURLs) sorted() []newestItem {
	out := slices.Clone(n.items)
	slices.SortFunc(out, func(a, b newestItem) int {
		return cmp.Or(strings.Compare(b.lastMod, a.lastMod), cmp.Compare(a.seq, b.seq))
	})
	return out
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

// readSitemap streams an XML sitemap (<urlset> or <sitemapindex>), a
// gzipped one, or a plain list of URLs, calling found for each entry;
// child is true for an index's <sitemap> entries. A gzipped sitemap is
// read up to limit bytes unpacked.
func readSitemap(r io.Reader, limit int64, found func(e sitemapEntry, child bool)) error {
	br := buffered(r)
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("sitemap: %w", err)
		}
		br = bufio.NewReader(io.LimitReader(zr, limit))
	}
	first, err := firstByte(br)
	if err != nil {
		return nil
	}
	if first != '<' {
		sc := bufio.NewScanner(br)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if strings.HasPrefix(line, "http://") || strings.HasPrefix(line, "https://") {
				found(sitemapEntry{Loc: line}, false)
			}
		}
		return sc.Err()
	}
	dec := newXMLDecoder(br)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("sitemap: %w", err)
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch name := strings.ToLower(start.Name.Local); name {
		case "url", "sitemap":
			var e sitemapEntry
			if err := dec.DecodeElement(&e, &start); err != nil {
				return fmt.Errorf("sitemap %s: %w", name, err)
			}
			found(e, name == "sitemap")
		}
	}
}
