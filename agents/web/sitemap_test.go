package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type sitemapHit struct {
	e     sitemapEntry
	child bool
}

func readAllSitemap(t *testing.T, doc []byte) ([]sitemapHit, error) {
	t.Helper()
	var hits []sitemapHit
	err := readSitemap(bytes.NewReader(doc), 1<<20, func(e sitemapEntry, child bool) { hits = append(hits, sitemapHit{e, child}) })
	return hits, err
}

func TestReadSitemap(t *testing.T) {
	urlset := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
<url><loc> https://s.example/a </loc><lastmod>2025-01-02</lastmod><image:image><image:loc>https://s.example/i.png</image:loc></image:image></url>
<url><loc>https://s.example/b</loc></url></urlset>`)
	hits, err := readAllSitemap(t, urlset)
	require.NoError(t, err)
	assert.Equal(t, []sitemapHit{
		{sitemapEntry{Loc: " https://s.example/a ", LastMod: "2025-01-02"}, false},
		{sitemapEntry{Loc: "https://s.example/b"}, false},
	}, hits)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(urlset)
	require.NoError(t, zw.Close())
	zipped, err := readAllSitemap(t, gz.Bytes())
	require.NoError(t, err)
	assert.Equal(t, hits, zipped)

	index, err := readAllSitemap(t, []byte(`<sitemapindex><sitemap><loc>https://s.example/post-sitemap.xml</loc></sitemap></sitemapindex>`))
	require.NoError(t, err)
	assert.Equal(t, []sitemapHit{{sitemapEntry{Loc: "https://s.example/post-sitemap.xml"}, true}}, index)

	text, err := readAllSitemap(t, []byte("https://s.example/x\n  not a url\nhttp://s.example/y\n"))
	require.NoError(t, err)
	assert.Equal(t, []sitemapHit{{sitemapEntry{Loc: "https://s.example/x"}, false}, {sitemapEntry{Loc: "http://s.example/y"}, false}}, text)

	_, err = readAllSitemap(t, []byte{0x1f, 0x8b, 0, 1})
	assert.Error(t, err, "a broken gzip header")
}

// TestNewestURLsKeepsTheNewest: offering many entries keeps only max, the
// newest, earlier entries first among equal dates.
func TestNewestURLsKeepsTheNewest(t *testing.T) {
	n := &newestURLs{max: 3}
	mods := []string{"2025-01-01", "2025-03-01", "", "2025-02-01", "2025-03-01", "2024-12-31", "2025-02-01"}
	for i, m := range mods {
		u, _ := url.Parse(fmt.Sprintf("https://s.example/%d", i))
		n.offer(m, Candidate{URL: u.String()}, u)
	}
	var got []string
	for _, it := range n.sorted() {
		got = append(got, it.c.URL)
	}
	assert.Equal(t, []string{"https://s.example/1", "https://s.example/4", "https://s.example/3"}, got)
	assert.Empty(t, (&newestURLs{}).sorted())
}

func FuzzReadSitemap(f *testing.F) {
	f.Add([]byte(`<urlset><url><loc>https://s.example/a</loc><lastmod>2025-01-02</lastmod></url></urlset>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc>https://s.example/s.xml</loc></sitemap></sitemapindex>`))
	f.Add([]byte("https://s.example/x\nhttps://s.example/y"))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, doc []byte) {
		total := 0
		_ = readSitemap(bytes.NewReader(doc), 1<<20, func(e sitemapEntry, _ bool) {
			total += len(e.Loc) + len(e.LastMod)
		})
		if total > len(doc)+strings.Count(string(doc), "&")*4 && doc[0] != 0x1f {
			t.Fatalf("entries hold %d bytes from a %d-byte document", total, len(doc))
		}
	})
}
