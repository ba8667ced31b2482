package agents_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/reviewer"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// sameFirstLLM answers through inner, but writes every first attempt
// (no reviewer feedback) as if for the first post it was asked about, so
// drafts written at once are near-copies of each other, found only when
// they are stored; it records each call's post and attempt number.
type sameFirstLLM struct {
	inner agents.LLM
	mu    sync.Mutex
	first *agents.PostContext
	calls []agents.PostContext
}

func (s *sameFirstLLM) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	pc := *req.Post
	s.mu.Lock()
	s.calls = append(s.calls, pc)
	if s.first == nil {
		s.first = &pc
	}
	if len(pc.Feedback) == 0 {
		fake := *s.first
		fake.Attempt = pc.Attempt
		req.Post = &fake
		req.System, req.Messages[0].Content = agents.CommentPrompt(&fake)
	}
	s.mu.Unlock()
	return s.inner.Generate(ctx, req)
}

// nearCopyRun runs a campaign over corpus whose drafts are first written
// alike, with the crew's writer as it is or, when plain, seen as a Writer
// and NearCopyChecker only (no Redrafter).
func nearCopyRun(t *testing.T, corpus *webtest.Corpus, plain bool) (*sameFirstLLM, agents.NearCopyChecker, []agents.DraftResult, agents.Stats) {
	t.Helper()
	llm := &sameFirstLLM{inner: offlineLLM(t)}
	sink, store := crewtest.NewSink(), crewtest.NewRunStore()
	m, err := crewtest.Outreach(newFetcher(t), llm, sink)
	require.NoError(t, err)
	checker, ok := m.Writer.(agents.NearCopyChecker)
	require.True(t, ok)
	_, ok = m.Writer.(agents.Redrafter)
	require.True(t, ok, "the crew's writer can redraft")
	if plain {
		m.Writer = struct {
			agents.Writer
			agents.NearCopyChecker
		}{m.Writer, checker}
	}
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	runner, err := agents.NewRunner(crew, store, agents.NewRecorder(), agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := runner.Create(t.Context(), brief(corpus, "camp-redraft"))
	require.NoError(t, err)
	require.NoError(t, runner.Execute(t.Context(), run.ID))
	got, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	return llm, checker, sink.Drafts("camp-redraft"), got.Stats
}

// TestNearCopyIsRedraftedAsARetry: a draft found a near-copy when stored
// is rewritten as a retry of it, with the reviewer's reasons: each
// prospect's model calls are numbered 0, 1, 2, ... (never starting over),
// every call is counted in the draft's attempts and the run's model
// calls, a stored draft is a near-copy of those before it only when it
// is flagged so (it failed the check twice), and it takes fewer calls
// than writing the near-copies again from scratch.
func TestNearCopyIsRedraftedAsARetry(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	llm, checker, drafts, stats := nearCopyRun(t, corpus, false)
	require.Greater(t, len(drafts), 2)

	byPost := map[string][]int{}
	nearCopyRetries := 0
	for _, pc := range llm.calls {
		byPost[pc.URL] = append(byPost[pc.URL], pc.Attempt)
		if len(pc.Feedback) > 0 && strings.Contains(strings.Join(pc.Feedback, " "), "similar to another draft") {
			nearCopyRetries++
		}
	}
	assert.Positive(t, nearCopyRetries, "near-copies were rewritten with the reviewer's reasons")
	for url, attempts := range byPost {
		want := make([]int, len(attempts))
		for i := range want {
			want[i] = i
		}
		assert.Equal(t, want, attempts, "%s: attempts numbered on, never from scratch", url)
	}

	calls := 0
	var bodies []string
	for _, d := range drafts {
		calls += d.Attempts
		assert.Equal(t, len(byPost[d.ProspectKey]), d.Attempts, "%s: every call counted in its draft", d.ProspectKey)
		if checker.NearCopy(brief(corpus, "camp-redraft"), d.Body, bodies) {
			assert.Contains(t, d.Flags, reviewer.FlagNearDuplicate, "%s: a near-copy is stored flagged", d.ProspectKey)
		}
		bodies = append(bodies, d.Body)
	}
	assert.Equal(t, len(llm.calls), calls)
	assert.Equal(t, len(llm.calls), stats.ModelCalls, "every model call is counted")

	fresh, _, freshDrafts, freshStats := nearCopyRun(t, corpus, true)
	require.Len(t, freshDrafts, len(drafts))
	t.Logf("%d drafts: %d model calls redrafting as retries, %d redrafting from scratch", len(drafts), stats.ModelCalls, freshStats.ModelCalls)
	assert.Less(t, stats.ModelCalls, freshStats.ModelCalls, "retries with the reasons take fewer calls")
	assert.Equal(t, len(fresh.calls), freshStats.ModelCalls)
}

// countingRedrafter is the crew's writer recording how many Redraft calls
// are in flight at once; the first Redraft waits (at most a minute, so a
// serial crew fails rather than hangs) for a second one to start, when
// it is an early one (knowing fewer drafts than are stored).
type countingRedrafter struct {
	agents.Writer
	agents.NearCopyChecker
	rd      agents.Redrafter
	mu      sync.Mutex
	in      int
	most    int
	calls   int
	two     chan struct{}
	release sync.Once
	sink    *crewtest.Sink
	gated   bool
}

func (c *countingRedrafter) Redraft(ctx context.Context, b agents.Brief, p agents.ProspectResult, others []string, prev agents.DraftResult) (agents.DraftResult, error) {
	c.mu.Lock()
	c.in++
	c.calls++
	c.most = max(c.most, c.in)
	if c.in == 2 {
		c.release.Do(func() { close(c.two) })
	}
	// The first redraft started before the drafts stored are all known
	// (an early one, in the pool) waits for another.
	first := !c.gated && len(others) < len(c.sink.Drafts("camp-redraft"))
	c.gated = c.gated || first
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.in--
		c.mu.Unlock()
	}()
	if first {
		select {
		case <-c.two:
		case <-time.After(time.Minute):
		case <-ctx.Done():
			return agents.DraftResult{}, ctx.Err()
		}
	}
	return c.rd.Redraft(ctx, b, p, others, prev)
}

// redraftRun runs a campaign whose first drafts are all alike with
// DraftConcurrency conc, counting Redraft calls in flight.
func redraftRun(t *testing.T, corpus *webtest.Corpus, an *onceAnalyst, first **agents.PostContext, conc int) (*countingRedrafter, []agents.DraftResult, agents.Stats) {
	t.Helper()
	llm := &sameFirstLLM{inner: offlineLLM(t), first: *first}
	defer func() { *first = llm.first }() // every run writes its first drafts alike
	sink, store := crewtest.NewSink(), crewtest.NewRunStore()
	m, err := crewtest.Outreach(newFetcher(t), llm, sink)
	require.NoError(t, err)
	m.DraftConcurrency = conc
	counting := &countingRedrafter{Writer: m.Writer, NearCopyChecker: m.Writer.(agents.NearCopyChecker),
		rd: m.Writer.(agents.Redrafter), two: make(chan struct{}), sink: sink}
	if conc == 1 {
		counting.release.Do(func() { close(counting.two) }) // one call at a time: nothing to wait for
	}
	m.Writer = counting
	if an.Analyst == nil {
		an.Analyst = m.Analyst
	}
	m.Analyst = an
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	runner, err := agents.NewRunner(crew, store, agents.NewRecorder(), agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := runner.Create(t.Context(), brief(corpus, "camp-redraft"))
	require.NoError(t, err)
	require.NoError(t, runner.Execute(t.Context(), run.ID))
	got, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	return counting, sink.Drafts("camp-redraft"), got.Stats
}

// TestRedraftsRunConcurrently: with every first draft alike and four
// calls at once, near-copies are redrafted while others are (more than
// one Redraft in flight), yet two such runs store the same drafts in the
// same order, the same prospects as one call at a time, and every model
// call is counted.
func TestRedraftsRunConcurrently(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	an := &onceAnalyst{}
	var first *agents.PostContext
	a, drafts, stats := redraftRun(t, corpus, an, &first, 4)
	_, again, _ := redraftRun(t, corpus, an, &first, 4)
	serial, one, _ := redraftRun(t, corpus, an, &first, 1)

	require.Greater(t, len(drafts), 4)
	assert.GreaterOrEqual(t, a.most, 2, "redrafts in flight at once")
	assert.Equal(t, 1, serial.most, "one at a time")
	assert.Equal(t, draftBodies(drafts), draftBodies(again), "the same drafts every time")
	assert.Equal(t, draftKeys(one), draftKeys(drafts), "the same prospects, in order, as one at a time")
	calls := 0
	for _, d := range drafts {
		calls += d.Attempts
	}
	assert.Equal(t, calls, stats.ModelCalls, "every model call is counted")
}
