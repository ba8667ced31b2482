package research_test

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/research"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

func newResearcher(t *testing.T) *research.Researcher {
	t.Helper()
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 2 * time.Second})
	require.NoError(t, err)
	r, err := research.New(f, nil, research.Config{})
	require.NoError(t, err)
	return r
}

// collect runs r.Research and returns what it found.
func collect(t *testing.T, r *research.Researcher, b agents.Brief) ([]agents.Candidate, agents.ResearchResult, error) {
	t.Helper()
	var mu sync.Mutex
	var cands []agents.Candidate
	res, err := r.Research(t.Context(), b, func(c agents.Candidate) error {
		mu.Lock()
		defer mu.Unlock()
		cands = append(cands, c)
		return nil
	})
	assert.Equal(t, len(cands), res.Found)
	return cands, res, err
}

func TestResearchErrors(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	r := newResearcher(t)
	ctx := t.Context()
	brief := agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"postgres"}}

	brief.SeedURLs = corpus.SeedURLs()[:1]
	cands, _, err := collect(t, r, brief)
	require.NoError(t, err)
	assert.NotEmpty(t, cands)

	brief.SeedURLs = []string{"http://127.0.0.1:1/"}
	_, found, err := collect(t, r, brief)
	assert.True(t, errors.Is(err, agents.ErrNoSources), "every source failed: %v", err)
	assert.Equal(t, 1, found.SeedsFailed)
	assert.NotEmpty(t, found.Problems)

	brief.SeedURLs = []string{"http://127.0.0.1:1/", corpus.SeedURLs()[0]}
	cands, found, err = collect(t, r, brief)
	require.NoError(t, err, "one readable seed is enough")
	assert.Equal(t, 1, found.SeedsFailed)
	assert.NotEmpty(t, cands)

	stop := errors.New("stop")
	brief.SeedURLs = corpus.SeedURLs()
	var calls atomic.Int64
	_, err = r.Research(ctx, brief, func(agents.Candidate) error {
		calls.Add(1)
		return stop
	})
	assert.ErrorIs(t, err, stop, "found's error ends the research")
	assert.LessOrEqual(t, calls.Load(), int64(research.DefaultParallelSeeds), "each seed stops at its first failed hand-over")

	brief.SeedURLs = nil
	_, err = r.Research(ctx, brief, func(agents.Candidate) error { return nil })
	assert.True(t, errors.Is(err, agents.ErrInvalidBrief), "no seeds and no searcher: %v", err)
}
