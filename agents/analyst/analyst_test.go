package analyst_test

import (
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// TestTopicsWidenTheProspects: a campaign's topics let posts on them in
// even without its keywords, below the posts that have the keywords.
func TestTopicsWidenTheProspects(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 5 * time.Second})
	require.NoError(t, err)
	an, err := analyst.New(f, analyst.Config{MaxPerSite: 100})
	require.NoError(t, err)
	var cands []agents.Candidate
	for _, p := range corpus.Posts() {
		if !p.Disallowed && (p.Site == "kitchen" || p.Site == "pgnotes") {
			cands = append(cands, agents.Candidate{URL: p.URL, Title: p.Title})
		}
	}
	brief := agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"postgres vacuum"}, MaxProspects: 100}
	sites := func(res agents.AnalysisResult) map[string]int {
		n := map[string]int{}
		for _, p := range res.Prospects {
			if post, ok := corpus.Post(p.CanonicalURL); ok {
				n[post.Site]++
			}
		}
		return n
	}

	without, err := an.Analyze(t.Context(), brief, slices.Values(cands), nil)
	require.NoError(t, err)
	assert.Zero(t, sites(without)["kitchen"], "cooking posts miss the keywords")
	assert.Positive(t, sites(without)["pgnotes"])

	brief.Topics = []string{"cooking", "skillet", "sourdough", "risotto", "kitchen"}
	var done atomic.Int64 // progress comes from the readers' goroutines
	with, err := an.Analyze(t.Context(), brief, slices.Values(cands), func(n int) {
		for old := done.Load(); int64(n) > old && !done.CompareAndSwap(old, int64(n)); old = done.Load() {
		}
	})
	require.NoError(t, err)
	assert.Positive(t, sites(with)["kitchen"], "the topics bring cooking posts in")
	assert.Equal(t, sites(without)["pgnotes"], sites(with)["pgnotes"], "and keep every keyword post")
	assert.EqualValues(t, len(cands), done.Load(), "progress counts every candidate")
	first := with.Prospects[0]
	post, _ := corpus.Post(first.CanonicalURL)
	assert.Equal(t, "pgnotes", post.Site, "keyword posts still rank first")
}
