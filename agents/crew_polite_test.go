package agents_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// TestCrewIsPolitePerHost runs research and analysis over six blogs, each
// on its own loopback address, with a 250 ms delay: every post is read,
// no host ever sees two requests closer than the delay (times recorded by
// the servers), and every host is asked before any host is asked again.
func TestCrewIsPolitePerHost(t *testing.T) {
	t.Parallel()
	const hosts, posts, delay = 6, 3, 250 * time.Millisecond
	farm := webtest.NewFarm(t, hosts, posts, "")
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: delay})
	require.NoError(t, err)
	sink := crewtest.NewSink()
	m, err := crewtest.Outreach(f, offlineLLM(t), sink)
	require.NoError(t, err)
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	store := crewtest.NewRunStore()
	runner, err := agents.NewRunner(crew, store, agents.NewRecorder(), agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := runner.Create(t.Context(), agents.Brief{
		CampaignID: "camp-polite", OwnerID: "o", Keywords: []string{"postgres", "index"},
		SeedURLs: farm.SeedURLs(), MaxProspects: hosts * posts,
	})
	require.NoError(t, err)
	require.NoError(t, runner.Execute(t.Context(), run.ID))
	got, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, hosts*posts, got.Stats.PostsFetched)

	for _, h := range farm.Hosts {
		hits := farm.Hits(h)
		require.GreaterOrEqual(t, len(hits), posts+2, "robots.txt, the home page and the posts")
		for i := 1; i < len(hits); i++ {
			assert.GreaterOrEqual(t, hits[i].At.Sub(hits[i-1].At), delay, "host %s: %s then %s", h, hits[i-1].Path, hits[i].Path)
		}
		for _, other := range farm.Hosts {
			assert.True(t, farm.Hits(other)[0].At.Before(hits[1].At), "host %s asked twice before %s was asked at all", h, other)
		}
	}
}
