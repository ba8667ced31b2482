package agents_test

import (
	"fmt"
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
