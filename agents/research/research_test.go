package research_test

import (
	"errors"
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

func TestResearchErrors(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	r := newResearcher(t)
	ctx := t.Context()
	brief := agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"postgres"}}

	brief.SeedURLs = corpus.SeedURLs()[:1]
	found, err := r.Research(ctx, brief)
	require.NoError(t, err)
	assert.NotEmpty(t, found.Candidates)

	brief.SeedURLs = []string{"http://127.0.0.1:1/"}
	found, err = r.Research(ctx, brief)
	assert.True(t, errors.Is(err, agents.ErrNoSources), "every source failed: %v", err)
	assert.Equal(t, 1, found.SeedsFailed)
	assert.NotEmpty(t, found.Problems)

	brief.SeedURLs = []string{"http://127.0.0.1:1/", corpus.SeedURLs()[0]}
	found, err = r.Research(ctx, brief)
	require.NoError(t, err, "one readable seed is enough")
	assert.Equal(t, 1, found.SeedsFailed)
	assert.NotEmpty(t, found.Candidates)

	brief.SeedURLs = nil
	_, err = r.Research(ctx, brief)
	assert.True(t, errors.Is(err, agents.ErrInvalidBrief), "no seeds and no searcher: %v", err)
}
