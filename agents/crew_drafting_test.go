package agents_test

import (
	"context"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// shuffledLLM answers through inner, later calls sooner than earlier ones
// (so drafts finish out of order), and records how many calls overlap.
type shuffledLLM struct {
	inner agents.LLM
	mu    sync.Mutex
	calls int
	in    int
	most  int
}

func (s *shuffledLLM) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	s.mu.Lock()
	n := s.calls
	s.calls++
	s.in++
	s.most = max(s.most, s.in)
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.in--
		s.mu.Unlock()
	}()
	// 4 calls in a row take 20, 15, 10, 5 ms.
	select {
	case <-time.After(time.Duration(4-n%4) * 5 * time.Millisecond):
	case <-ctx.Done():
		return agents.GenerateResponse{}, ctx.Err()
	}
	return s.inner.Generate(ctx, req)
}

// onceAnalyst analyses once and gives every later run the same
// prospects, so runs differ only in how they draft.
type onceAnalyst struct {
	agents.Analyst
	mu  sync.Mutex
	res *agents.AnalysisResult
}

func (o *onceAnalyst) Analyze(ctx context.Context, b agents.Brief, cands iter.Seq[agents.Candidate], progress func(int)) (agents.AnalysisResult, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.res == nil {
		res, err := o.Analyst.Analyze(ctx, b, cands, progress)
		if err != nil {
			return res, err
		}
		o.res = &res
	}
	out := *o.res
	out.Prospects = slices.Clone(out.Prospects)
	return out, nil
}

// draftRun runs one campaign over corpus with llm and DraftConcurrency
// conc, and returns its stored drafts and its comment_drafted events'
// prospects, in order.
func draftRun(t *testing.T, corpus *webtest.Corpus, an *onceAnalyst, llm agents.LLM, conc int) ([]agents.DraftResult, []string, agents.Stats) {
	t.Helper()
	sink, events, store := crewtest.NewSink(), agents.NewRecorder(), crewtest.NewRunStore()
	m, err := crewtest.Outreach(newFetcher(t), llm, sink)
	require.NoError(t, err)
	m.DraftConcurrency = conc
	if an.Analyst == nil {
		an.Analyst = m.Analyst
	}
	m.Analyst = an
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	runner, err := agents.NewRunner(crew, store, events, agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := runner.Create(t.Context(), brief(corpus, "camp-order"))
	require.NoError(t, err)
	require.NoError(t, runner.Execute(t.Context(), run.ID))
	got, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	var drafted []string
	for _, e := range events.Events(run.ID) {
		if e.Name == agents.EventCommentDrafted {
			drafted = append(drafted, e.Data.(agents.CommentDraftedData).ProspectURL)
		}
	}
	return sink.Drafts("camp-order"), drafted, got.Stats
}

// TestConcurrentDraftingIsStableAndDeterministic: with drafts written four
// at once and finishing out of order, the stored drafts and their events
// come in the same order, with the same bodies, as when written one at a
// time; the calls did overlap.
func TestConcurrentDraftingIsStableAndDeterministic(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	an := &onceAnalyst{}
	seq, seqEvents, seqStats := draftRun(t, corpus, an, &shuffledLLM{inner: offlineLLM(t)}, 1)
	llm := &shuffledLLM{inner: offlineLLM(t)}
	conc, concEvents, concStats := draftRun(t, corpus, an, llm, 4)
	again, _, _ := draftRun(t, corpus, an, &shuffledLLM{inner: offlineLLM(t)}, 4)

	require.NotEmpty(t, seq)
	assert.Equal(t, 4, llm.most, "four calls in flight at once")
	assert.Equal(t, draftKeys(seq), draftKeys(conc), "drafts stored in the prospects' order")
	assert.Equal(t, draftKeys(conc), concEvents, "comment_drafted events in the same order")
	assert.Equal(t, seqEvents, concEvents)
	assert.Equal(t, draftBodies(conc), draftBodies(again), "the same drafts every time")
	assert.Equal(t, seqStats.Drafts, concStats.Drafts)
	assert.Equal(t, llm.calls, concStats.ModelCalls, "every model call is counted")
	for i, a := range conc {
		for _, b := range conc[:i] {
			assert.NotEqual(t, a.Body, b.Body, "no draft copies one written alongside it")
		}
	}
}

// blockingLLM answers nothing until its context ends.
type blockingLLM struct {
	mu      sync.Mutex
	started int
	ended   int
	in      chan struct{}
}

func (s *blockingLLM) Generate(ctx context.Context, _ agents.GenerateRequest) (agents.GenerateResponse, error) {
	s.mu.Lock()
	s.started++
	if s.started == 4 {
		close(s.in)
	}
	s.mu.Unlock()
	<-ctx.Done()
	s.mu.Lock()
	s.ended++
	s.mu.Unlock()
	return agents.GenerateResponse{}, ctx.Err()
}

// TestConcurrentDraftingStopsAtOnceOnCancel: with four model calls that
// never answer in flight, cancelling the run ends them all and Execute
// returns; no call starts after.
func TestConcurrentDraftingStopsAtOnceOnCancel(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	llm := &blockingLLM{in: make(chan struct{})}
	fx := newFixture(t, corpus, llm)
	run, err := fx.runner.Create(t.Context(), brief(corpus, "camp-cancel"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- fx.runner.Execute(ctx, run.ID) }()
	<-llm.in
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	llm.mu.Lock()
	defer llm.mu.Unlock()
	assert.Equal(t, agents.DefaultDraftConcurrency, llm.started, "the default four calls at once, none after the cancel")
	assert.Equal(t, llm.started, llm.ended, "every call in flight was ended")
	assert.Empty(t, fx.sink.Drafts("camp-cancel"))
}

// draftBodies lists drafts as "prospect key\nbody", to compare runs.
func draftBodies(ds []agents.DraftResult) (out []string) {
	for _, d := range ds {
		out = append(out, d.ProspectKey+"\n"+d.Body)
	}
	return out
}

// draftKeys lists the drafts' prospect keys, in order.
func draftKeys(ds []agents.DraftResult) (out []string) {
	for _, d := range ds {
		out = append(out, d.ProspectKey)
	}
	return out
}
