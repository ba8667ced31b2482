package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// strictFixture is a set of strict sites and the posts each publishes.
type strictFixture struct {
	name  string
	site  *webtest.StrictSite
	seed  string
	posts []webtest.StrictPost
}

// strictFeedSite is a WordPress-shaped blog whose RSS names its posts
// with a trailing slash, one with tracking parameters, one with a
// lower-case percent-encoding and one with a fragment.
func strictFeedSite(t *testing.T) strictFixture {
	s := webtest.NewStrictSite(t)
	posts := []webtest.StrictPost{
		{URI: "/2026/03/first-light/", Title: "First light in the garden"},
		{URI: "/2026/03/mulch-or-not/?utm_source=rss&utm_medium=feed", Title: "Mulch or not"},
		{URI: "/2026/02/caf%c3%a9-beds/", Title: "Beds beside the café"},
		{URI: "/2026/02/dawn-watering/#more-12", Title: "Watering at dawn"},
		{URI: "/?p=412", Title: "A plain-permalink post"},
	}
	s.AddPosts(posts, false)
	s.Handle("/", "text/html", `<html><head><title>Garden notes</title>
<link rel="alternate" type="application/rss+xml" href="/feed/"></head><body><p>Welcome</p></body></html>`)
	var items strings.Builder
	for _, p := range posts {
		fmt.Fprintf(&items, "<item><title>%s</title><link>%s%s</link><pubDate>Mon, 02 Mar 2026 10:00:00 +0000</pubDate></item>\n",
			p.Title, s.URL, strings.ReplaceAll(p.URI, "&", "&amp;"))
	}
	s.Handle("/feed/", "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>Garden notes</title><link>`+s.URL+`/</link>`+items.String()+`</channel></rss>`)
	return strictFixture{name: "feed", site: s, seed: s.URL + "/", posts: posts}
}

// strictSitemapSite lists its posts, slash-terminated, in a sitemap
// index named by robots.txt.
func strictSitemapSite(t *testing.T) strictFixture {
	s := webtest.NewStrictSite(t)
	posts := []webtest.StrictPost{
		{URI: "/posts/soil-tests/", Title: "Soil tests"},
		{URI: "/posts/rain-barrels/", Title: "Rain barrels"},
		{URI: "/posts/compost-heat/", Title: "Compost heat"},
	}
	s.AddPosts(posts, true)
	s.Handle("/", "text/html", `<html><head><title>Plot</title></head><body><p>Home</p></body></html>`)
	s.Handle("/robots.txt", "text/plain", "User-agent: *\nAllow: /\nSitemap: "+s.URL+"/sitemap_index.xml\n")
	s.Handle("/sitemap_index.xml", "application/xml", `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>`+s.URL+`/post-sitemap.xml</loc></sitemap></sitemapindex>`)
	var urls strings.Builder
	for _, p := range posts {
		fmt.Fprintf(&urls, "<url><loc>%s%s</loc><lastmod>2026-03-01</lastmod></url>", s.URL, p.URI)
	}
	s.Handle("/post-sitemap.xml", "application/xml", `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`+urls.String()+`</urlset>`)
	return strictFixture{name: "sitemap", site: s, seed: s.URL + "/", posts: posts}
}

// strictSubPathSite is a blog under /team-blog/ with no feed and no
// sitemap: its posts are found by links, one-word slugs judged relative to
// the seed's path and a page directly under it by its own signals.
func strictSubPathSite(t *testing.T) strictFixture {
	s := webtest.NewStrictSite(t)
	posts := []webtest.StrictPost{
		{URI: "/team-blog/articles/gardening", Title: "Gardening"},
		{URI: "/team-blog/articles/seed-saving/", Title: "Seed saving"},
		{URI: "/team-blog/compost", Title: "Compost"},
		{URI: "/team-blog/articles/older", Title: "An older post"},
	}
	s.AddPosts(posts, true)
	page := func(title, links string) string {
		return `<html><head><title>` + title + `</title><meta property="og:type" content="website"></head><body><nav>` + links + `</nav>` +
			`<article><h2>Teaser one</h2><p>Short.</p></article><article><h2>Teaser two</h2><p>Short.</p></article></body></html>`
	}
	s.Handle("/team-blog/", "text/html", page("Team blog", `<a href="articles/gardening">Gardening</a>
<a href="/team-blog/articles/seed-saving/">Seed saving</a> <a href="compost">Compost</a>
<a href="/team-blog/about/">About</a> <a href="/team-blog/page/2/">Older</a> <a href="/shop/">Shop</a>
<a href="/team-blog/tag/soil/">soil</a>`))
	s.Handle("/team-blog/page/2/", "text/html", page("Older", `<a href="/team-blog/articles/older">An older post</a>`))
	s.Handle("/team-blog/about/", "text/html", page("About us", `<a href="/team-blog/">Home</a>`))
	s.Handle("/shop/", "text/html", page("Shop", `<a href="/shop/seeds">Seeds</a>`))
	return strictFixture{name: "subpath", site: s, seed: s.URL + "/team-blog/", posts: posts}
}

// TestStrictServerFindsEveryPost: discovery hands over every post as
// published, and fetching each needs exactly one request, with no 404.
func TestStrictServerFindsEveryPost(t *testing.T) {
	t.Parallel()
	f := newFetcher(t, web.Config{})
	ctx := context.Background()
	for _, fx := range []strictFixture{strictFeedSite(t), strictSitemapSite(t), strictSubPathSite(t)} {
		t.Run(fx.name, func(t *testing.T) {
			cands, err := f.Discover(ctx, fx.seed, 50)
			require.NoError(t, err)
			var got []string
			for _, c := range cands {
				got = append(got, c.URL)
				assert.Equal(t, web.CanonicalURL(c.URL), c.Key)
				page, err := f.Fetch(ctx, c.URL)
				require.NoError(t, err, c.URL)
				assert.Equal(t, 200, page.Status)
				assert.Equal(t, c.URL, page.FinalURL, "no redirect")
			}
			var want []string
			for _, p := range fx.posts {
				uri, _, _ := strings.Cut(p.URI, "#")
				want = append(want, fx.site.URL+uri)
				assert.Contains(t, []int{1, 2}, fx.site.Hits(uri), "%s fetched once, or twice when discovery read its signals", uri)
			}
			assert.ElementsMatch(t, want, got)
			for _, miss := range fx.site.Misses() {
				for _, p := range fx.posts {
					assert.NotEqual(t, strings.TrimSuffix(p.URI, "/"), miss, "a post asked for without its slash")
				}
			}
		})
	}
}

func TestIsArticlePage(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("A sentence of the article's body text. ", 20)
	cases := []struct {
		name, html string
		want       bool
	}{
		{"og article", `<html><head><meta property="og:type" content="article"></head><body><p>x</p></body></html>`, true},
		{"json-ld posting", `<html><head><script type="application/ld+json">{"@type":"BlogPosting","headline":"x"}</script></head><body></body></html>`, true},
		{"json-ld graph", `<html><head><script type="application/ld+json">{"@graph":[{"@type":"WebPage"},{"@type":"NewsArticle"}]}</script></head></html>`, true},
		{"one long article", `<html><body><article><h1>T</h1><p>` + long + `</p></article></body></html>`, true},
		{"one short article", `<html><body><article><p>Teaser.</p></article></body></html>`, false},
		{"teasers", `<html><body><article><p>` + long + `</p></article><article><p>` + long + `</p></article></body></html>`, false},
		{"og website", `<html><head><meta property="og:type" content="website"></head><body><article><p>` + long + `</p></article></body></html>`, false},
		{"plain page", `<html><body><p>About us</p></body></html>`, false},
	}
	for _, tc := range cases {
		assert.Equal(t, tc.want, web.IsArticlePage([]byte(tc.html)), tc.name)
	}
}
