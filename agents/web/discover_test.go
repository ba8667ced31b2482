package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// sitePosts lists the canonical URLs of a site's fetchable posts.
func sitePosts(c *webtest.Corpus, site string) []string {
	var out []string
	for _, p := range c.Posts() {
		if p.Site == site && !p.Disallowed {
			out = append(out, p.URL)
		}
	}
	return out
}

// candidateURLs lists the candidates' de-duplication keys.
func candidateURLs(cands []web.Candidate) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = c.Key
	}
	return out
}

func TestDiscoverSources(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	f := newFetcher(t, web.Config{})
	ctx := context.Background()

	cases := []struct {
		site, source string
	}{
		{"pgnotes", web.SourceFeed},    // RSS at /feed, linked
		{"gopherlog", web.SourceFeed},  // Atom at /atom.xml, found by probing
		{"queryplans", web.SourceFeed}, // RSS at an odd path, only via <link rel=alternate>
		{"indexonly", web.SourceSitemap},
		{"linkfarm", web.SourceLinks},
		{"kitchen", web.SourceFeed},
	}
	for _, tc := range cases {
		t.Run(tc.site, func(t *testing.T) {
			site := c.Site(tc.site)
			cands, err := f.Discover(ctx, site.SeedURL(), 50)
			require.NoError(t, err)
			assert.ElementsMatch(t, sitePosts(c, tc.site), candidateURLs(cands))
			for _, cd := range cands {
				assert.Equal(t, tc.source, cd.Source, cd.URL)
				post, ok := c.Post(cd.Key)
				require.True(t, ok, cd.URL)
				switch tc.source {
				case web.SourceFeed:
					assert.Equal(t, post.Title, cd.Title)
					require.NotNil(t, cd.Published)
					assert.True(t, post.Published.Equal(*cd.Published), "%s vs %s", post.Published, cd.Published)
				case web.SourceSitemap:
					require.NotNil(t, cd.Published)
					assert.Equal(t, post.Published.Format("2006-01-02"), cd.Published.Format("2006-01-02"))
				case web.SourceLinks:
					assert.Equal(t, post.Title, cd.Title)
				}
			}
		})
	}
	assert.Zero(t, c.DisallowedHits(), "discovery requested a disallowed path")
	for _, r := range c.Requests() {
		if r.Site == "queryplans" {
			assert.NotContains(t, r.Path, "/articles/", "discovery fetched a post page")
		}
	}
}

func TestDiscoverDedupesTrackingDuplicates(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	f := newFetcher(t, web.Config{})
	cands, err := f.Discover(context.Background(), c.Site("queryplans").SeedURL(), 0)
	require.NoError(t, err)
	urls := candidateURLs(cands)
	seen := map[string]bool{}
	for _, u := range urls {
		assert.False(t, seen[u], "duplicate %s", u)
		seen[u] = true
		assert.NotContains(t, u, "utm_")
		assert.NotContains(t, u, "fbclid")
		assert.NotContains(t, u, "#")
	}
	assert.Len(t, urls, len(sitePosts(c, "queryplans")), "the feed's duplicate item collapsed")
}

func TestDiscoverMaxPostsAndRobots(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	f := newFetcher(t, web.Config{})
	ctx := context.Background()

	cands, err := f.Discover(ctx, c.Site("gopherlog").SeedURL(), 3)
	require.NoError(t, err)
	assert.Len(t, cands, 3)

	all, err := f.Discover(ctx, c.Site("gopherlog").SeedURL(), 100)
	require.NoError(t, err)
	for _, u := range c.DisallowedURLs() {
		assert.NotContains(t, candidateURLs(all), u)
	}
	assert.Zero(t, c.DisallowedHits())
}

func TestDiscoverWholeCorpusThenFetch(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	f := newFetcher(t, web.Config{})
	ctx := context.Background()
	var found []string
	for _, seed := range c.SeedURLs() {
		cands, err := f.Discover(ctx, seed, 100)
		require.NoError(t, err, seed)
		for _, cd := range cands {
			found = append(found, cd.Key)
			page, err := f.Fetch(ctx, cd.URL)
			require.NoError(t, err, cd.URL)
			assert.Equal(t, cd.URL, page.FinalURL, "fetched as published, no redirect")
			art, err := web.ExtractPage(page)
			require.NoError(t, err, cd.URL)
			assert.Equal(t, cd.Key, art.CanonicalURL)
		}
	}
	want := append(c.RelevantURLs(), c.IrrelevantURLs()...)
	assert.ElementsMatch(t, want, found)
	assert.Zero(t, c.DisallowedHits(), "robots.txt disobeyed")
}

func TestDiscoverFeedSeedAndFailures(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	f := newFetcher(t, web.Config{})
	ctx := context.Background()

	cands, err := f.Discover(ctx, c.Site("pgnotes").URL+"/feed", 2)
	require.NoError(t, err)
	require.Len(t, cands, 2)
	assert.Equal(t, web.SourceFeed, cands[0].Source)

	_, err = f.Discover(ctx, "ftp://example.com/", 10)
	require.ErrorIs(t, err, web.ErrUnsupportedScheme)

	strict, err := web.NewFetcher(web.Config{PerHostDelay: web.NoDelay})
	require.NoError(t, err)
	_, err = strict.Discover(ctx, c.Site("pgnotes").SeedURL(), 10)
	require.ErrorIs(t, err, web.ErrBlockedAddress)

	_, err = f.Discover(ctx, strings.TrimSuffix(c.OKURL(), "/ok")+"/nothing-here", 10)
	var he *web.HTTPError
	require.ErrorAs(t, err, &he)
}

// crossFeedSite serves a feed at /feed.xml whose items live on this site
// and on other, and a robots.txt that keeps crawlers out of /private/.
func crossFeedSite(t *testing.T, other *string) *httptest.Server {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case "/feed.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			fmt.Fprintf(w, `<rss version="2.0"><channel><link>%[1]s/</link>
<item><title>Own</title><link>%[1]s/own</link></item>
<item><title>Own private</title><link>/private/own</link></item>
<item><title>Theirs</title><link>%[2]s/theirs</link></item>
<item><title>Their private</title><link>%[2]s/private/theirs</link></item>
</channel></rss>`, srv.URL, *other)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestDiscoverFeedAcrossHosts: feed items on other hosts obey those hosts'
// robots.txt, and two seeds whose feeds point at each other, read at the
// same time, both finish (robots.txt is never fetched while a feed holds
// its host's turn).
func TestDiscoverFeedAcrossHosts(t *testing.T) {
	t.Parallel()
	var aURL, bURL string
	a, b := crossFeedSite(t, &bURL), crossFeedSite(t, &aURL)
	aURL, bURL = a.URL, b.URL
	f := newFetcher(t, web.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	var wg sync.WaitGroup
	got := make([][]string, 2)
	for i, seed := range []string{aURL + "/feed.xml", bURL + "/feed.xml"} {
		wg.Go(func() {
			cands, err := f.Discover(ctx, seed, 10)
			assert.NoError(t, err)
			got[i] = candidateURLs(cands)
		})
	}
	wg.Wait()
	assert.Equal(t, []string{aURL + "/own", bURL + "/theirs"}, got[0])
	assert.Equal(t, []string{bURL + "/own", aURL + "/theirs"}, got[1])
}

// TestDiscoverFollowsFeedPages: a feed paged fifty posts a page yields
// every post of its site, page after page, up to maxPosts.
func TestDiscoverFollowsFeedPages(t *testing.T) {
	t.Parallel()
	c := webtest.NewLargeCorpus(t, 600) // 150 posts a site: three pages
	f := newFetcher(t, web.Config{})
	seed := c.SeedURLs()[0]
	cands, err := f.Discover(context.Background(), seed, 1000)
	require.NoError(t, err)
	urls := candidateURLs(cands)
	assert.Len(t, urls, 150)
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(urls))), 150, "no duplicates")
	for _, cd := range cands {
		assert.Equal(t, web.SourceFeed, cd.Source)
		assert.True(t, strings.HasPrefix(cd.URL, strings.TrimSuffix(seed, "/")), cd.URL)
	}

	var n int
	got, err := f.DiscoverEach(context.Background(), seed, 70, func(web.Candidate) error { n++; return nil })
	require.NoError(t, err)
	assert.Equal(t, 70, got, "maxPosts stops in the middle of the second page")
	assert.Equal(t, 70, n)

	stop := errors.New("enough")
	got, err = f.DiscoverEach(context.Background(), seed, 1000, func(web.Candidate) error {
		if n++; n > 80 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop, "found's error ends discovery")
	assert.Less(t, got, 150)
}
