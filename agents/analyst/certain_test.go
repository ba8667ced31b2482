package analyst_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// holdingFetcher fetches through inner, holding the fetch of one URL
// until release is closed.
type holdingFetcher struct {
	inner   analyst.PageFetcher
	held    string
	release chan struct{}
}

func (h *holdingFetcher) Fetch(ctx context.Context, rawURL string, accept ...string) (*web.Page, error) {
	if rawURL == h.held {
		select {
		case <-h.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return h.inner.Fetch(ctx, rawURL, accept...)
}

// certainRun analyses cands with one of them, held, read last: the held
// post is released once every other candidate is done. It returns the
// result and the prospects reported certain before and after the release.
func certainRun(t *testing.T, cfg analyst.Config, b agents.Brief, cands []agents.Candidate, held string, within int) (res agents.AnalysisResult, before, after []agents.ProspectResult) {
	t.Helper()
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 5 * time.Second})
	require.NoError(t, err)
	hf := &holdingFetcher{inner: f, held: held, release: make(chan struct{})}
	// Last, so its host's other posts (one at a time) are read before it.
	i := slices.IndexFunc(cands, func(c agents.Candidate) bool { return c.URL == held })
	require.GreaterOrEqual(t, i, 0)
	cands = append(slices.Delete(slices.Clone(cands), i, i+1), cands[i])
	an, err := analyst.New(hf, cfg)
	require.NoError(t, err)
	var mu sync.Mutex
	released := false
	res, err = an.AnalyzeHooked(t.Context(), b, slices.Values(cands), agents.AnalysisHooks{
		Progress: func(done int) {
			mu.Lock()
			defer mu.Unlock()
			if done == len(cands)-1 && !released { // every other post is read
				released = true
				close(hf.release)
			}
		},
		Certain: func(p agents.ProspectResult) {
			mu.Lock()
			defer mu.Unlock()
			if released {
				after = append(after, p)
			} else {
				before = append(before, p)
			}
		},
		CertainWithin: within,
	})
	require.NoError(t, err)
	require.True(t, released)
	for _, p := range slices.Concat(before, after) {
		assert.NotEmpty(t, p.Text, "a certain prospect carries its text")
		assert.True(t, slices.ContainsFunc(res.Prospects, func(q agents.ProspectResult) bool { return q.Key() == p.Key() }),
			"%s was reported certain and is returned", p.Key())
	}
	all := keysOf(slices.Concat(before, after))
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(all))), len(all), "each reported once")
	return res, before, after
}

func keysOf(ps []agents.ProspectResult) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Key()
	}
	return out
}

// TestCertainProspects: a prospect is reported certain while a post is
// still unread only when that post cannot push it out, by rank (the
// limit, CertainWithin) or by its site's cap; once every post is read,
// the rest of the result is reported.
func TestCertainProspects(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	var cands []agents.Candidate
	var kitchen, pgnotes string // a post of each, to hold back
	for _, p := range corpus.Posts() {
		if p.Disallowed || (p.Site != "kitchen" && p.Site != "pgnotes" && p.Site != "queryplans") {
			continue
		}
		cands = append(cands, agents.Candidate{URL: p.URL, Title: p.Title})
		switch {
		case p.Site == "kitchen" && kitchen == "":
			kitchen = p.URL
		case p.Site == "pgnotes" && pgnotes == "":
			pgnotes = p.URL
		}
	}
	site := func(p agents.ProspectResult) string {
		post, ok := corpus.Post(p.CanonicalURL)
		require.True(t, ok, p.CanonicalURL)
		return post.Site
	}
	brief := func(limit int) agents.Brief {
		return agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"postgres", "query", "index", "database"}, MaxProspects: limit}
	}

	t.Run("room for every post", func(t *testing.T) {
		t.Parallel()
		res, before, after := certainRun(t, analyst.Config{}, brief(100), cands, kitchen, 0)
		require.Greater(t, len(res.Prospects), 3)
		assert.ElementsMatch(t, keysOf(res.Prospects), keysOf(before), "the unread cooking post cannot push any out")
		assert.Empty(t, after)
	})
	t.Run("the limit is reached", func(t *testing.T) {
		t.Parallel()
		res, before, after := certainRun(t, analyst.Config{}, brief(1), cands, kitchen, 0)
		require.Len(t, res.Prospects, 1)
		assert.Empty(t, before, "the unread post might rank first")
		assert.Equal(t, keysOf(res.Prospects), keysOf(after))
	})
	t.Run("one place left", func(t *testing.T) {
		t.Parallel()
		res, before, after := certainRun(t, analyst.Config{}, brief(3), cands, kitchen, 0)
		require.Len(t, res.Prospects, 3)
		assert.ElementsMatch(t, keysOf(res.Prospects[:2]), keysOf(before), "the best two cannot fall below third")
		assert.Equal(t, keysOf(res.Prospects[2:]), keysOf(after))
	})
	t.Run("within", func(t *testing.T) {
		t.Parallel()
		res, before, after := certainRun(t, analyst.Config{}, brief(100), cands, kitchen, 3)
		assert.ElementsMatch(t, keysOf(res.Prospects[:2]), keysOf(before))
		assert.Equal(t, keysOf(res.Prospects[2:3]), keysOf(after), "only the first three are reported")
	})
	t.Run("site cap", func(t *testing.T) {
		t.Parallel()
		res, before, after := certainRun(t, analyst.Config{MaxPerSite: 2}, brief(100), cands, pgnotes, 0)
		bySite := map[string]int{}
		for _, p := range res.Prospects {
			bySite[site(p)]++
		}
		require.Equal(t, 2, bySite["pgnotes"])
		require.Equal(t, 2, bySite["queryplans"])
		n := map[string]int{}
		for _, p := range before {
			n[site(p)]++
		}
		// One unread pgnotes post can push pgnotes' second out, not its first.
		assert.Equal(t, map[string]int{"pgnotes": 1, "queryplans": 2}, n)
		require.Len(t, after, 1)
		assert.Equal(t, "pgnotes", site(after[0]))
	})
}
