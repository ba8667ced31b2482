package agents_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// runOn executes one outreach run over seeds and returns the stored run.
func runOn(t *testing.T, seeds ...string) (*fixture, *agents.Run) {
	t.Helper()
	fx := newFixture(t, nil, offlineLLM(t))
	run, err := fx.runner.Create(t.Context(), agents.Brief{
		CampaignID: "camp-warn", OwnerID: "owner", Keywords: []string{"garden"}, SeedURLs: seeds, MaxProspects: 10,
	})
	require.NoError(t, err)
	_ = fx.runner.Execute(t.Context(), run.ID)
	got, err := fx.store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	return fx, got
}

// warningData returns the run's run.warning events' data.
func warningData(fx *fixture, runID string) []agents.RunWarningData {
	var out []agents.RunWarningData
	for _, e := range fx.events.Events(runID) {
		if e.Name == agents.EventRunWarning {
			out = append(out, e.Data.(agents.RunWarningData))
		}
	}
	return out
}

// TestRunWithEveryFetchFailedWarns: a feed names three posts that all
// answer 404 and one robots.txt forbids; the run succeeds, but says in its
// stats, a run.warning event and per cause why it found nothing.
func TestRunWithEveryFetchFailedWarns(t *testing.T) {
	t.Parallel()
	s := webtest.NewStrictSite(t)
	var items strings.Builder
	for _, p := range []string{"/gone/one/", "/gone/two/", "/gone/three/"} {
		fmt.Fprintf(&items, "<item><title>%s</title><link>%s%s</link></item>", p, s.URL, p)
	}
	s.Handle("/", "text/html", `<html><head><link rel="alternate" type="application/rss+xml" href="/feed/"></head><body><p>Home</p></body></html>`)
	s.Handle("/feed/", "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>`+items.String()+`</channel></rss>`)

	fx, run := runOn(t, s.URL+"/")
	assert.Equal(t, agents.RunSucceeded, run.Status)
	assert.Equal(t, 3, run.Stats.PostsDiscovered)
	assert.Equal(t, 3, run.Stats.FetchFailures)
	assert.Equal(t, map[string]int{"not_found": 3}, run.Stats.FetchFailuresByReason)
	require.Len(t, run.Stats.Warnings, 1)
	assert.Contains(t, run.Stats.Warnings[0], "every post fetch failed")
	assert.Contains(t, run.Stats.Warnings[0], "3 not_found")
	ws := warningData(fx, run.ID)
	require.Len(t, ws, 1)
	assert.Equal(t, run.Stats.Warnings, ws[0].Warnings)
	names := fx.events.Names(run.ID)
	assert.Less(t, indexOf(names, agents.EventRunWarning), indexOf(names, agents.EventRunSucceeded), "the warning comes before the end")
}

// TestRunThatFindsNothingWarns: the seed reads, but has no feed, sitemap
// or post links.
func TestRunThatFindsNothingWarns(t *testing.T) {
	t.Parallel()
	s := webtest.NewStrictSite(t)
	s.Handle("/", "text/html", `<html><body><p>Nothing here yet.</p></body></html>`)
	fx, run := runOn(t, s.URL+"/")
	assert.Equal(t, agents.RunSucceeded, run.Status)
	require.NotEmpty(t, run.Stats.Warnings)
	assert.Contains(t, run.Stats.Warnings[0], "no posts were found")
	assert.Len(t, warningData(fx, run.ID), 1)
}

// TestRunWithNoReadableSeedFails: every seed answers 404 or is refused;
// the run fails, with the seeds counted by cause.
func TestRunWithNoReadableSeedFails(t *testing.T) {
	t.Parallel()
	s := webtest.NewStrictSite(t)
	fx, run := runOn(t, s.URL+"/blog/", s.URL+"/other/")
	assert.Equal(t, agents.RunFailed, run.Status)
	assert.Contains(t, run.Error, "404")
	assert.Equal(t, 2, run.Stats.SeedsFailed)
	assert.Equal(t, map[string]int{"not_found": 2}, run.Stats.SeedFailuresByReason)
	assert.Empty(t, warningData(fx, run.ID))
	assert.Contains(t, fx.events.Names(run.ID), agents.EventRunFailed)
}

// TestRunWithOneSeedLostWarns: one seed is read, one is not; the run
// succeeds with the lost seed in its warnings.
func TestRunWithOneSeedLostWarns(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	s := webtest.NewStrictSite(t)
	_, run := runOn(t, corpus.Site("kitchen").SeedURL(), s.URL+"/missing/")
	assert.Equal(t, agents.RunSucceeded, run.Status)
	assert.Equal(t, 1, run.Stats.SeedsFailed)
	assert.Equal(t, map[string]int{"not_found": 1}, run.Stats.SeedFailuresByReason)
	require.NotEmpty(t, run.Stats.Warnings)
	assert.Contains(t, run.Stats.Warnings[0], "1 of 2 seed sites could not be read (1 not_found)")
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// TestOfflineWriterSkipsNonEnglishPosts: with the offline (English-only)
// writer, a French and an Arabic post are found and kept as prospects but
// not drafted; the run says so, and the English post is drafted.
func TestOfflineWriterSkipsNonEnglishPosts(t *testing.T) {
	t.Parallel()
	s := webtest.NewStrictSite(t)
	var links strings.Builder
	for _, f := range []string{"wp-fr-open.html", "news-ar-rtl.html", "wp-en-open.html"} {
		body, err := os.ReadFile(filepath.Join("web", "testdata", "extract", f))
		require.NoError(t, err)
		uri := "/posts/" + strings.TrimSuffix(f, ".html") + "/"
		s.Handle(uri, "text/html; charset=utf-8", string(body))
		fmt.Fprintf(&links, `<a href="%s">%s</a> `, uri, f)
	}
	s.Handle("/", "text/html", `<html><body><nav>`+links.String()+`</nav></body></html>`)
	fx := newFixture(t, nil, offlineLLM(t))
	run, err := fx.runner.Create(t.Context(), agents.Brief{
		CampaignID: "camp-lang", OwnerID: "owner", Keywords: []string{"build", "levain", "bus"}, Topics: []string{"ci", "pain", "transport", "الحافلات", "شبكة"},
		SeedURLs: []string{s.URL + "/"}, MaxProspects: 10, Language: "any",
	})
	require.NoError(t, err)
	require.NoError(t, fx.runner.Execute(t.Context(), run.ID))
	got, err := fx.store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	require.Equal(t, agents.RunSucceeded, got.Status)

	langs := map[string]string{}
	for _, p := range fx.sink.Prospects("camp-lang") {
		langs[p.Language] = p.URL
	}
	require.Len(t, langs, 3, "every language is kept: %v", langs)
	assert.Equal(t, 2, got.Stats.DraftsSkippedLanguage)
	drafts := fx.sink.Drafts("camp-lang")
	require.Len(t, drafts, 1)
	assert.Equal(t, langs["en-US"], drafts[0].ProspectURL, "only the English post is drafted")
	require.NotEmpty(t, got.Stats.Warnings)
	assert.Contains(t, got.Stats.Warnings[len(got.Stats.Warnings)-1], "2 prospects were not drafted")
	assert.Len(t, warningData(fx, run.ID), 1)
}
