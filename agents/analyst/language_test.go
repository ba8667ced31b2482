package analyst_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// servePages serves pages of the extraction corpus on a strict site and
// returns candidates for them.
func servePages(t *testing.T, files ...string) []agents.Candidate {
	t.Helper()
	s := webtest.NewStrictSite(t)
	var cands []agents.Candidate
	for _, f := range files {
		body, err := os.ReadFile(filepath.Join("..", "web", "testdata", "extract", f))
		require.NoError(t, err)
		uri := "/posts/" + f
		s.Handle(uri, "text/html; charset=utf-8", string(body))
		cands = append(cands, agents.Candidate{URL: s.URL + uri})
	}
	return cands
}

// TestCampaignLanguageKeepsItsPosts: a campaign naming a language keeps
// posts in it (the theme's wrong lang="en-US" over German text does not
// fool it) and counts the rest; "any" and "" keep every post, each with
// its language and direction.
func TestCampaignLanguageKeepsItsPosts(t *testing.T) {
	t.Parallel()
	cands := servePages(t, "wp-fr-open.html", "news-fr-remark42.html", "wp-de-misdeclared.html", "wp-en-open.html", "news-ar-rtl.html")
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 5 * time.Second})
	require.NoError(t, err)
	an, err := analyst.New(f, analyst.Config{MinRelevance: -1})
	require.NoError(t, err)
	run := func(lang string) agents.AnalysisResult {
		res, err := an.Analyze(t.Context(), agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"pain"}, Language: lang, MaxProspects: 10},
			slices.Values(cands), nil)
		require.NoError(t, err)
		return res
	}
	langs := func(res agents.AnalysisResult) []string {
		var out []string
		for _, p := range res.Prospects {
			out = append(out, p.Language)
		}
		return out
	}

	fr := run("fr")
	assert.ElementsMatch(t, []string{"fr-FR", "fr"}, langs(fr))
	assert.Equal(t, 3, fr.LanguageSkipped)
	de := run("de-AT")
	assert.Equal(t, []string{"de"}, langs(de), "German text under lang=en-US is German")
	assert.Equal(t, 4, de.LanguageSkipped)
	for _, lang := range []string{"any", ""} {
		all := run(lang)
		assert.Len(t, all.Prospects, 5, lang)
		assert.Zero(t, all.LanguageSkipped, lang)
	}
	for _, p := range run("ar").Prospects {
		assert.Equal(t, "rtl", p.Dir)
		assert.Equal(t, "ar", p.Language)
	}
}

// TestListingPagesAreNotProspects: a page found by links or a sitemap that
// says it is a listing (og:type=website, several <article> teasers) is
// not kept, however relevant; the same page from a feed is trusted.
func TestListingPagesAreNotProspects(t *testing.T) {
	t.Parallel()
	s := webtest.NewStrictSite(t)
	post := webtest.StrictPost{URI: "/garden/mulch/", Title: "Mulching a dry garden"}
	s.AddPosts([]webtest.StrictPost{post}, true)
	teaser := `<article><h2>Mulching a dry garden</h2><p>Watering at dawn and mulching the beds keeps the soil moist through a dry summer garden.</p></article>`
	s.Handle("/garden/", "text/html", `<html><head><title>Garden posts</title><meta property="og:type" content="website"></head><body>`+
		teaser+teaser+teaser+`</body></html>`)
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 5 * time.Second})
	require.NoError(t, err)
	an, err := analyst.New(f, analyst.Config{MinRelevance: -1})
	require.NoError(t, err)
	brief := agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"garden mulch"}, MaxProspects: 10}
	cands := []agents.Candidate{
		{URL: s.URL + post.URI, Source: web.SourceSitemap},
		{URL: s.URL + "/garden/", Source: web.SourceLinks},
	}
	res, err := an.Analyze(t.Context(), brief, slices.Values(cands), nil)
	require.NoError(t, err)
	require.Len(t, res.Prospects, 1)
	assert.Equal(t, s.URL+post.URI, res.Prospects[0].URL)
	assert.Equal(t, 1, res.NotArticles)

	cands[1].Source = web.SourceFeed
	res, err = an.Analyze(t.Context(), brief, slices.Values(cands), nil)
	require.NoError(t, err)
	assert.Len(t, res.Prospects, 2, "a feed's item is a post, whatever its markup says")
	assert.Zero(t, res.NotArticles)
}
