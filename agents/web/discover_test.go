package web_test

import (
	"context"
	"strings"
	"testing"

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

func candidateURLs(cands []web.Candidate) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = c.URL
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
				post, ok := c.Post(cd.URL)
				require.True(t, ok, cd.URL)
				switch tc.source {
				case web.SourceFeed:
					assert.Equal(t, post.Title, cd.Title)
					require.NotNil(t, cd.Published)
					assert.True(t, post.Published.Equal(*cd.Published), "%s vs %s", post.Published, cd.Published)
					assert.NotEmpty(t, cd.Summary)
					assert.NotContains(t, cd.Summary, "<p>")
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
			found = append(found, cd.URL)
			page, err := f.Fetch(ctx, cd.URL)
			require.NoError(t, err, cd.URL)
			art, err := web.ExtractPage(page)
			require.NoError(t, err, cd.URL)
			assert.Equal(t, cd.URL, art.CanonicalURL)
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
