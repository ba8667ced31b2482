package web

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mmcdole/gofeed"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/charmap"
)

// feedDocs are feeds in the shapes found in the wild, each with the items
// readFeed must find.
var feedDocs = []struct {
	name, doc, site string
	want            []feedItem
}{
	{
		name: "rss2 with dc, cdata, entities and a permalink guid",
		doc: `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom">
<channel><title>Notes</title><atom:link href="https://blog.example/feed/" rel="self" type="application/rss+xml"/>
<link>https://blog.example/</link>
<image><url>https://blog.example/logo.png</url><link>https://elsewhere.example/</link></image>
<item><title><![CDATA[Vacuum &amp; <b>bloat</b>]]></title><link>https://blog.example/vacuum/</link>
<dc:creator>Ann</dc:creator><pubDate>Tue, 03 Jun 2025 10:00:00 +0000</pubDate>
<description><![CDATA[<p>Long <em>text</em></p>]]></description><content:encoded><![CDATA[<div><link>nope</link></div>]]></content:encoded></item>
<item><title>Guid only &mdash; no link</title><guid isPermaLink="true">https://blog.example/guid-only/</guid><dc:date>2025-05-01T08:00:00Z</dc:date></item>
<item><title>Relative</title><link>/relative/</link><guid isPermaLink="false">post-3</guid></item>
</channel></rss>`,
		site: "https://blog.example/",
		want: []feedItem{
			{Link: "https://blog.example/vacuum/", Title: "Vacuum & bloat", Published: date("2025-06-03T10:00:00Z")},
			{Link: "https://blog.example/guid-only/", Title: "Guid only — no link", Published: date("2025-05-01T08:00:00Z")},
			{Link: "/relative/", Title: "Relative"},
		},
	},
	{
		name: "atom with several links per entry and a source",
		doc: `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Gopher log</title>
<link rel="self" href="https://go.example/atom.xml"/><link rel="alternate" href="https://go.example/"/>
<entry><title type="html">Escape &lt;i&gt;analysis&lt;/i&gt;</title>
<link rel="replies" href="https://go.example/escape/#comments"/><link rel="alternate" type="text/html" href="https://go.example/escape/"/>
<id>tag:go.example,2025:1</id><published>2025-04-02T09:30:00+02:00</published><updated>2025-04-03T00:00:00Z</updated>
<source><link href="https://other.example/"/><id>https://other.example/</id></source></entry>
<entry><title>Only updated</title><link href="https://go.example/updated/"/><id>https://go.example/updated/</id><updated>2025-03-01T00:00:00Z</updated></entry>
</feed>`,
		site: "https://go.example/",
		want: []feedItem{
			{Link: "https://go.example/escape/", Title: "Escape analysis", Published: date("2025-04-02T07:30:00Z")},
			{Link: "https://go.example/updated/", Title: "Only updated", Published: date("2025-03-01T00:00:00Z")},
		},
	},
	{
		name: "rss 1.0 (rdf)",
		doc: `<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link></channel>
<item rdf:about="https://rdf.example/a"><title>A</title><link>https://rdf.example/a</link><dc:date>2024-12-24T12:00:00Z</dc:date></item>
</rdf:RDF>`,
		site: "https://rdf.example/",
		want: []feedItem{{Link: "https://rdf.example/a", Title: "A", Published: date("2024-12-24T12:00:00Z")}},
	},
	{
		name: "json feed",
		doc: `{"version":"https://jsonfeed.org/version/1.1","title":"J","home_page_url":"https://json.example/","extra":{"a":[1,2,{"b":null}]},
"items":[{"id":"1","url":"https://json.example/one","title":"One","content_html":"<p>x</p>","date_published":"2025-01-02T03:04:05Z"},
{"id":"https://json.example/two","title":"Two","date_modified":"2025-01-03T00:00:00Z"},
{"id":3,"external_url":"https://ext.example/three"}]}`,
		site: "https://json.example/",
		want: []feedItem{
			{Link: "https://json.example/one", Title: "One", Published: date("2025-01-02T03:04:05Z")},
			{Link: "https://json.example/two", Title: "Two", Published: date("2025-01-03T00:00:00Z")},
			{Link: "https://ext.example/three"},
		},
	},
}

func date(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func readAll(t *testing.T, doc io.Reader) (site string, items []feedItem, err error) {
	t.Helper()
	_, err = readFeed(doc, func(s string, it feedItem) bool {
		site = s
		items = append(items, it)
		return true
	})
	return site, items, err
}

func TestReadFeed(t *testing.T) {
	for _, tc := range feedDocs {
		t.Run(tc.name, func(t *testing.T) {
			site, items, err := readAll(t, strings.NewReader(tc.doc))
			require.NoError(t, err)
			assert.Equal(t, tc.site, site)
			require.Len(t, items, len(tc.want))
			for i, want := range tc.want {
				assert.Equal(t, want.Link, items[i].Link, "item %d", i)
				assert.Equal(t, want.Title, items[i].Title, "item %d", i)
				if want.Published == nil {
					assert.Nil(t, items[i].Published, "item %d", i)
				} else if assert.NotNil(t, items[i].Published, "item %d", i) {
					assert.True(t, want.Published.Equal(*items[i].Published), "item %d: %s", i, items[i].Published)
				}
			}
		})
	}
}

// TestReadFeedAgreesWithGofeed checks item links against gofeed's full
// parse of the same documents.
func TestReadFeedAgreesWithGofeed(t *testing.T) {
	for _, tc := range feedDocs {
		t.Run(tc.name, func(t *testing.T) {
			feed, err := gofeed.NewParser().ParseString(tc.doc)
			require.NoError(t, err)
			_, items, err := readAll(t, strings.NewReader(tc.doc))
			require.NoError(t, err)
			require.Len(t, items, len(feed.Items))
			for i, it := range feed.Items {
				link := it.Link
				if link == "" && strings.HasPrefix(it.GUID, "http") {
					link = it.GUID
				}
				if link == "" && len(it.Links) > 0 {
					link = it.Links[0]
				}
				assert.Equal(t, link, items[i].Link, "item %d", i)
			}
		})
	}
}

// TestReadFeedNextPage: the next page of a paged feed (RFC 5005 in RSS
// and Atom, next_url in JSON Feed), wherever it stands in the document.
func TestReadFeedNextPage(t *testing.T) {
	for _, doc := range []string{
		`<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><link>https://p.example/</link>
<atom:link rel="self" href="https://p.example/feed?page=1"/><atom:link rel="next" href="/feed?page=2"/>
<item><link>https://p.example/a</link></item></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><link rel="alternate" href="https://p.example/"/>
<entry><link href="https://p.example/a"/></entry><link rel="next" href="/feed?page=2"/></feed>`,
		`{"version":"https://jsonfeed.org/version/1.1","home_page_url":"https://p.example/","items":[{"url":"https://p.example/a"}],"next_url":"/feed?page=2"}`,
	} {
		var site string
		var items int
		next, err := readFeed(strings.NewReader(doc), func(s string, it feedItem) bool {
			site = s
			items++
			return true
		})
		require.NoError(t, err, doc)
		assert.Equal(t, "/feed?page=2", next, doc)
		assert.Equal(t, "https://p.example/", site, doc)
		assert.Equal(t, 1, items, doc)
	}
	next, err := readFeed(strings.NewReader(feedDocs[0].doc), func(string, feedItem) bool { return true })
	require.NoError(t, err)
	assert.Empty(t, next, "a feed without a next page")
}

func TestReadFeedLatin1(t *testing.T) {
	doc := `<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><link>https://de.example/</link>
<item><title>Größenordnung</title><link>https://de.example/gr%C3%B6%C3%9Fe</link></item></channel></rss>`
	enc, err := charmap.ISO8859_1.NewEncoder().String(doc)
	require.NoError(t, err)
	_, items, err := readAll(t, strings.NewReader(enc))
	require.NoError(t, err)
	require.Len(t, items, 1)
	assert.Equal(t, "Größenordnung", items[0].Title)
}

func TestReadFeedNotAFeed(t *testing.T) {
	for _, doc := range []string{
		"", "   ", "<!doctype html><html><body><p>hi</p></body></html>", `<urlset><url><loc>https://x.example/</loc></url></urlset>`,
		`{"items":[{"url":"https://x.example/"}]}`, `{"version":"1"}`, `[1,2]`, "plain text",
	} {
		_, items, err := readAll(t, strings.NewReader(doc))
		assert.ErrorIs(t, err, errNotFeed, "%q", doc)
		assert.Empty(t, items, "%q", doc)
	}
}

// TestReadFeedBrokenKeepsEarlierItems: a feed cut off mid-item yields the
// items before the cut and an error.
func TestReadFeedBrokenKeepsEarlierItems(t *testing.T) {
	doc := `<rss><channel><item><link>https://a.example/1</link></item><item><link>https://a.example/2</link></item><item><title>cut`
	_, items, err := readAll(t, strings.NewReader(doc))
	require.Error(t, err)
	require.Len(t, items, 2)
	assert.Equal(t, "https://a.example/2", items[1].Link)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// bigFeed is an RSS feed of n items.
func bigFeed(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?><rss version="2.0"><channel><title>Big</title><link>https://big.example/</link>`)
	for i := range n {
		fmt.Fprintf(&b, "<item><title>Post %d</title><link>https://big.example/p/%d</link><pubDate>Mon, 02 Jun 2025 10:00:00 +0000</pubDate><description>%s</description></item>\n",
			i, i, strings.Repeat("words and more words ", 20))
	}
	b.WriteString("</channel></rss>")
	return b.Bytes()
}

// TestReadFeedStreams: stopping after a few items of a large feed reads
// only the start of it.
func TestReadFeedStreams(t *testing.T) {
	doc := bigFeed(20000)
	cr := &countingReader{r: bytes.NewReader(doc)}
	var got int
	_, err := readFeed(cr, func(_ string, it feedItem) bool {
		got++
		return got < 3
	})
	require.NoError(t, err)
	assert.Equal(t, 3, got)
	assert.Less(t, cr.n, 64<<10, "read %d of %d bytes to yield 3 items", cr.n, len(doc))
}

// BenchmarkReadFeed compares the streaming reader with gofeed's whole-feed
// parse on a 5,000-item feed (about 2.5 MB): B/op is the memory cost.
func BenchmarkReadFeed(b *testing.B) {
	doc := bigFeed(5000)
	b.Run("stream", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			n := 0
			if _, err := readFeed(bytes.NewReader(doc), func(string, feedItem) bool { n++; return true }); err != nil || n != 5000 {
				b.Fatal(n, err)
			}
		}
	})
	b.Run("gofeed", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(doc)))
		for b.Loop() {
			f, err := gofeed.NewParser().Parse(bytes.NewReader(doc))
			if err != nil || len(f.Items) != 5000 {
				b.Fatal(err)
			}
		}
	})
}

func FuzzReadFeed(f *testing.F) {
	for _, tc := range feedDocs {
		f.Add([]byte(tc.doc))
	}
	f.Add(bigFeed(3))
	f.Add([]byte(`<feed><entry><link href="x"/><title>t</title></entry>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		n := 0
		_, err := readFeed(bytes.NewReader(doc), func(_ string, it feedItem) bool {
			n++
			if len(it.Title) > titleBytes {
				t.Fatalf("title of %d bytes", len(it.Title))
			}
			return n < 100
		})
		if n > 0 && err == errNotFeed {
			t.Fatalf("yielded %d items, then said not a feed", n)
		}
	})
}
