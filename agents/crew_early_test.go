package agents_test

import (
	"context"
	"encoding/json"
	"iter"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// holdFetcher fetches through inner, holding every fetch of a URL under
// held until release is closed or the fetch's ctx ends.
type holdFetcher struct {
	inner   analyst.PageFetcher
	held    string
	release chan struct{}
}

func (h *holdFetcher) Fetch(ctx context.Context, rawURL string, accept ...string) (*web.Page, error) {
	if strings.HasPrefix(rawURL, h.held) {
		select {
		case <-h.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return h.inner.Fetch(ctx, rawURL, accept...)
}

// timeline records, in order, what happened in a run.
type timeline struct {
	mu     sync.Mutex
	events []string
}

func (tl *timeline) add(e string) {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	tl.events = append(tl.events, e)
}

func (tl *timeline) index(e string) int {
	tl.mu.Lock()
	defer tl.mu.Unlock()
	for i, x := range tl.events {
		if x == e {
			return i
		}
	}
	return -1
}

// markedLLM answers through inner, noting its first call on the timeline
// and closing first.
type markedLLM struct {
	inner agents.LLM
	tl    *timeline
	once  sync.Once
	first chan struct{}
	mu    sync.Mutex
	calls int
}

func newMarkedLLM(inner agents.LLM, tl *timeline) *markedLLM {
	return &markedLLM{inner: inner, tl: tl, first: make(chan struct{})}
}

func (m *markedLLM) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	m.mu.Lock()
	m.calls++
	m.mu.Unlock()
	m.once.Do(func() {
		m.tl.add("model call")
		close(m.first)
	})
	return m.inner.Generate(ctx, req)
}

func (m *markedLLM) Calls() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls
}

// markedAnalyst notes on the timeline when analysis returns.
type markedAnalyst struct {
	agents.HookedAnalyst
	tl *timeline
}

func (m markedAnalyst) AnalyzeHooked(ctx context.Context, b agents.Brief, cands iter.Seq[agents.Candidate], hooks agents.AnalysisHooks) (agents.AnalysisResult, error) {
	res, err := m.HookedAnalyst.AnalyzeHooked(ctx, b, cands, hooks)
	m.tl.add("analysis returned")
	return res, err
}

// plainAnalyst hides AnalyzeHooked: drafting then starts after analysis.
type plainAnalyst struct{ agents.Analyst }

// earlyRun is one campaign run over a corpus whose analyst reads a
// kitchen (off-topic) post only once release is closed.
type earlyRun struct {
	corpus  *webtest.Corpus
	store   *crewtest.RunStore
	sink    *crewtest.Sink
	events  *agents.Recorder
	runner  *agents.Runner
	hold    *holdFetcher
	tl      *timeline
	members agents.Members
}

// newEarlyRun builds the run's crew, noting on tl when analysis returns;
// plain hides AnalyzeHooked.
func newEarlyRun(t *testing.T, corpus *webtest.Corpus, llm agents.LLM, conc int, plain bool, tl *timeline) *earlyRun {
	t.Helper()
	r := &earlyRun{corpus: corpus, store: crewtest.NewRunStore(), sink: crewtest.NewSink(), events: agents.NewRecorder(), tl: tl}
	f := newFetcher(t)
	m, err := crewtest.Outreach(f, llm, r.sink)
	require.NoError(t, err)
	m.DraftConcurrency = conc
	var kitchen string
	for _, p := range corpus.Posts() {
		if p.Site == "kitchen" {
			kitchen = p.URL
		}
	}
	r.hold = &holdFetcher{inner: f, held: kitchen, release: make(chan struct{})}
	an, err := analyst.New(r.hold, analyst.Config{})
	require.NoError(t, err)
	m.Analyst = markedAnalyst{HookedAnalyst: an, tl: r.tl}
	if plain {
		m.Analyst = plainAnalyst{an}
	}
	r.members = m
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	r.runner, err = agents.NewRunner(crew, r.store, r.events, agents.RunnerConfig{CancelPollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	return r
}

// releaseOn lets the held post be read once ch is closed; a safety net
// releases it after a minute so a broken build fails instead of hanging.
func (r *earlyRun) releaseOn(t *testing.T, ch <-chan struct{}) {
	go func() {
		select {
		case <-ch:
		case <-time.After(time.Minute):
			r.tl.add("safety release")
		case <-t.Context().Done():
		}
		close(r.hold.release)
	}()
}

// result is what a run stored and emitted.
type result struct {
	run       *agents.Run
	drafts    []string // prospect key and body, in the order stored
	events    []string // comment.drafted prospects, in order
	prospects []agents.ProspectResult
}

func (r *earlyRun) result(t *testing.T, runID, campaign string) result {
	t.Helper()
	got, err := r.store.Get(t.Context(), runID)
	require.NoError(t, err)
	res := result{run: got}
	for _, d := range r.sink.Drafts(campaign) {
		res.drafts = append(res.drafts, d.ProspectKey+"\n"+d.Body)
	}
	for _, e := range r.events.Events(runID) {
		if e.Name == agents.EventCommentDrafted {
			res.events = append(res.events, e.Data.(agents.CommentDraftedData).ProspectURL)
		}
	}
	if out := got.Step(agents.TaskAnalysis).Output; out != nil {
		require.NoError(t, json.Unmarshal(out, &res.prospects), "the checkpoint is the prospects, best first")
	}
	return res
}

// draftOrder is the keys of the prospects that take comments, best first.
func draftOrder(ps []agents.ProspectResult) []string {
	var out []string
	for _, p := range ps {
		if p.AcceptsComments {
			out = append(out, p.Key())
		}
	}
	return out
}

func keysOfDrafts(drafts []string) []string {
	out := make([]string, len(drafts))
	for i, d := range drafts {
		out[i], _, _ = strings.Cut(d, "\n")
	}
	return out
}

// TestDraftingStartsBeforeAnalysisEnds: with one off-topic post held
// unread until the model is first called, the model is called (for a
// prospect analysis is already certain of) before analysis returns; the
// drafts are still stored, and evented, in the prospects' order, after
// every prospect.found.
func TestDraftingStartsBeforeAnalysisEnds(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	tl := &timeline{}
	llm := newMarkedLLM(offlineLLM(t), tl)
	r := newEarlyRun(t, corpus, llm, 0, false, tl)
	r.releaseOn(t, llm.first)

	run, err := r.runner.Create(t.Context(), brief(corpus, "camp-early"))
	require.NoError(t, err)
	require.NoError(t, r.runner.Execute(t.Context(), run.ID))

	assert.Equal(t, -1, tl.index("safety release"), "the model was called while a post was unread")
	require.GreaterOrEqual(t, tl.index("model call"), 0)
	assert.Less(t, tl.index("model call"), tl.index("analysis returned"), "drafting started before analysis returned")

	res := r.result(t, run.ID, "camp-early")
	assert.Equal(t, agents.RunSucceeded, res.run.Status)
	require.NotEmpty(t, res.drafts)
	assert.Equal(t, draftOrder(res.prospects), keysOfDrafts(res.drafts), "drafts stored in the prospects' order")
	assert.Equal(t, keysOfDrafts(res.drafts), res.events, "and evented in it")
	step := res.run.Step(agents.TaskDrafting)
	assert.Positive(t, step.Stats["drafted_early"], "drafts written while analysis read are stored")
	assert.Zero(t, step.Stats["early_dropped"])
	assert.Equal(t, llm.Calls(), res.run.Stats.ModelCalls, "no model call was wasted")
	names := r.events.Names(run.ID)
	lastFound, firstDrafted := -1, -1
	for i, n := range names {
		if n == agents.EventProspectFound {
			lastFound = i
		}
		if n == agents.EventCommentDrafted && firstDrafted < 0 {
			firstDrafted = i
		}
	}
	assert.Less(t, lastFound, firstDrafted, "every prospect.found before the first comment.drafted")
}

// replay gives the prospects of an earlier analysis (research still runs
// to its end), so runs differ only in how they draft: the analysis's
// order of prospects depends on the order posts are read in (running
// IDF), which depends on timing.
type replay struct {
	res    agents.AnalysisResult
	reload agents.Analyst
}

func (r replay) Analyze(_ context.Context, _ agents.Brief, cands iter.Seq[agents.Candidate], _ func(int)) (agents.AnalysisResult, error) {
	for range cands {
	}
	out := r.res
	out.Prospects = slices.Clone(r.res.Prospects)
	return out, nil
}

func (r replay) Reload(ctx context.Context, b agents.Brief, p agents.ProspectResult) (agents.ProspectResult, error) {
	return r.reload.Reload(ctx, b, p)
}

// hookedReplay is a replay that reports prospects certain, in the order
// given (indices in the result, those under CertainWithin unless all),
// and returns only once wait is closed when one of them takes comments.
type hookedReplay struct {
	replay
	order []int
	all   bool // report past CertainWithin too, as a careless analyst would
	wait  <-chan struct{}
}

func (h hookedReplay) AnalyzeHooked(ctx context.Context, b agents.Brief, cands iter.Seq[agents.Candidate], hooks agents.AnalysisHooks) (agents.AnalysisResult, error) {
	for range cands {
	}
	draftable := false
	for _, i := range h.order {
		if p := h.res.Prospects[i]; h.all || hooks.CertainWithin == 0 || i < hooks.CertainWithin {
			hooks.Certain(p)
			draftable = draftable || p.AcceptsComments
		}
	}
	if draftable {
		select {
		case <-h.wait:
		case <-ctx.Done():
			return agents.AnalysisResult{}, ctx.Err()
		}
	}
	return h.replay.Analyze(ctx, b, cands, nil)
}

// recordingAnalyst keeps the result of the analysis it passes on.
type recordingAnalyst struct {
	agents.HookedAnalyst
	mu  sync.Mutex
	res agents.AnalysisResult
}

func (r *recordingAnalyst) AnalyzeHooked(ctx context.Context, b agents.Brief, cands iter.Seq[agents.Candidate], hooks agents.AnalysisHooks) (agents.AnalysisResult, error) {
	res, err := r.HookedAnalyst.AnalyzeHooked(ctx, b, cands, hooks)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.res = res
	r.res.Prospects = slices.Clone(res.Prospects)
	return res, err
}

// runWith runs one campaign with the analyst an, writer llm and conc
// drafts at once.
func runWith(t *testing.T, corpus *webtest.Corpus, an agents.Analyst, llm agents.LLM, conc int, b agents.Brief) (*earlyRun, result) {
	t.Helper()
	r := newEarlyRun(t, corpus, llm, conc, false, &timeline{})
	close(r.hold.release)
	r.members.Analyst = an
	crew, err := agents.OutreachCrew(r.members)
	require.NoError(t, err)
	r.runner, err = agents.NewRunner(crew, r.store, r.events, agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := r.runner.Create(t.Context(), b)
	require.NoError(t, err)
	require.NoError(t, r.runner.Execute(t.Context(), run.ID))
	return r, r.result(t, run.ID, b.CampaignID)
}

// TestEarlyDraftsAreTheSameDrafts: whether drafts start while analysis
// reads or after it, for prospects reported certain in any order, one or
// four at a time, finishing out of order, the offline writer's drafts of
// the same prospects are the same, stored and evented in the same order
// (the prospects'), every time.
func TestEarlyDraftsAreTheSameDrafts(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	// The first run analyses for real, one draft at a time, with drafts
	// started while a post is held unread.
	tl := &timeline{}
	llm := newMarkedLLM(&shuffledLLM{inner: offlineLLM(t)}, tl)
	first := newEarlyRun(t, corpus, llm, 1, false, tl)
	rec := &recordingAnalyst{HookedAnalyst: first.members.Analyst.(agents.HookedAnalyst)}
	first.members.Analyst = rec
	crew, err := agents.OutreachCrew(first.members)
	require.NoError(t, err)
	first.runner, err = agents.NewRunner(crew, first.store, first.events, agents.RunnerConfig{})
	require.NoError(t, err)
	first.releaseOn(t, llm.first)
	run, err := first.runner.Create(t.Context(), brief(corpus, "camp-same"))
	require.NoError(t, err)
	require.NoError(t, first.runner.Execute(t.Context(), run.ID))
	want := first.result(t, run.ID, "camp-same")
	require.Equal(t, -1, tl.index("safety release"))
	require.Positive(t, want.run.Step(agents.TaskDrafting).Stats["drafted_early"])
	require.Greater(t, len(want.drafts), 8)
	assert.Equal(t, draftOrder(want.prospects), keysOfDrafts(want.drafts), "stored in the prospects' order")
	assert.Equal(t, keysOfDrafts(want.drafts), want.events, "and evented in it")
	bodies := map[string]bool{}
	for _, d := range want.drafts {
		_, body, _ := strings.Cut(d, "\n")
		assert.False(t, bodies[body], "no draft copies another")
		bodies[body] = true
	}

	n := len(rec.res.Prospects)
	var reversed, evens []int
	for i := n - 1; i >= 0; i-- {
		reversed = append(reversed, i)
	}
	for i := 0; i < n; i += 2 {
		evens = append(evens, i)
	}
	base := replay{res: rec.res, reload: rec.HookedAnalyst}
	for _, v := range []struct {
		name  string
		conc  int
		order []int // nil: drafting waits for analysis
	}{
		{"every one certain, worst first, four at a time", 4, reversed},
		{"every other one certain, four at a time", 4, evens},
		{"every other one certain, one at a time", 1, evens},
		{"after analysis, four at a time", 4, nil},
		{"after analysis, one at a time", 1, nil},
	} {
		tl := &timeline{}
		llm := newMarkedLLM(&shuffledLLM{inner: offlineLLM(t)}, tl)
		var an agents.Analyst = base
		if v.order != nil {
			an = hookedReplay{replay: base, order: v.order, wait: llm.first}
		}
		_, got := runWith(t, corpus, an, llm, v.conc, brief(corpus, "camp-same"))
		early := got.run.Step(agents.TaskDrafting).Stats["drafted_early"]
		if v.order == nil {
			assert.Zero(t, early, v.name)
		} else {
			assert.Positive(t, early, v.name)
		}
		assert.Equal(t, llm.Calls(), got.run.Stats.ModelCalls, "%s: every model call counted, none wasted", v.name)
		assert.Equal(t, want.drafts, got.drafts, "%s: the same drafts in the same order", v.name)
		assert.Equal(t, want.events, got.events, "%s: the same comment.drafted order", v.name)
	}
}

// TestEarlyDraftsKeepTheDailyLimit: with a daily limit of three drafts,
// exactly the three best prospects that take comments are drafted, as
// when drafting waits for analysis; no draft is written past them when
// the analyst reports only what the limit lets through, and one that
// reports more only wastes the drafts it started.
func TestEarlyDraftsKeepTheDailyLimit(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	b := brief(corpus, "camp-limit")
	b.DailyDraftLimit = 3
	rec := &recordingAnalyst{}
	{
		f := newFetcher(t)
		an, err := analyst.New(f, analyst.Config{})
		require.NoError(t, err)
		rec.HookedAnalyst = an
	}
	llm := newMarkedLLM(offlineLLM(t), &timeline{})
	_, want := runWith(t, corpus, rec, llm, 4, b)
	require.Len(t, want.drafts, 3)
	assert.Equal(t, draftOrder(want.prospects)[:3], keysOfDrafts(want.drafts), "the three best")
	assert.Equal(t, 3, want.run.Stats.Drafts)
	assert.Equal(t, llm.Calls(), want.run.Stats.ModelCalls, "no draft written past the limit")
	assert.Zero(t, want.run.Step(agents.TaskDrafting).Stats["early_dropped"])

	var every []int
	for i := range rec.res.Prospects {
		every = append(every, i)
	}
	base := replay{res: rec.res, reload: rec.HookedAnalyst}
	for _, v := range []struct {
		name string
		an   func(wait <-chan struct{}) agents.Analyst
	}{
		{"after analysis", func(<-chan struct{}) agents.Analyst { return base }},
		{"early", func(wait <-chan struct{}) agents.Analyst { return hookedReplay{replay: base, order: every, wait: wait} }},
		{"early, reported past the limit", func(wait <-chan struct{}) agents.Analyst {
			return hookedReplay{replay: base, order: every, all: true, wait: wait}
		}},
	} {
		llm := newMarkedLLM(offlineLLM(t), &timeline{})
		_, got := runWith(t, corpus, v.an(llm.first), llm, 4, b)
		assert.Equal(t, want.drafts, got.drafts, v.name)
		assert.Equal(t, 3, got.run.Stats.Drafts, v.name)
		dropped := got.run.Step(agents.TaskDrafting).Stats["early_dropped"]
		if v.name == "early, reported past the limit" {
			assert.GreaterOrEqual(t, llm.Calls(), got.run.Stats.ModelCalls+dropped, "%s: the drafts written past the limit are dropped", v.name)
		} else {
			assert.Zero(t, dropped, v.name)
			assert.Equal(t, llm.Calls(), got.run.Stats.ModelCalls, "%s: no draft written past the limit", v.name)
		}
	}
}

// TestCancelWhileAnalysisAndDraftsRun: cancelled with the analysis still
// reading and four early drafts in flight, the run stops at once, every
// model call ends and nothing is stored; another worker resumes it to the
// same drafts as an uninterrupted run, one per prospect.
func TestCancelWhileAnalysisAndDraftsRun(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	blocked := &blockingLLM{in: make(chan struct{})}
	r := newEarlyRun(t, corpus, blocked, 4, false, &timeline{}) // the held post is never released
	run, err := r.runner.Create(t.Context(), brief(corpus, "camp-early-cancel"))
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.runner.Execute(ctx, run.ID) }()
	<-blocked.in // four early drafts in flight, analysis still reading
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)
	blocked.mu.Lock()
	assert.Equal(t, 4, blocked.started, "four calls at once, none after the cancel")
	assert.Equal(t, blocked.started, blocked.ended, "every call in flight was ended")
	blocked.mu.Unlock()
	mid := r.result(t, run.ID, "camp-early-cancel")
	assert.Empty(t, mid.drafts)
	assert.Equal(t, agents.RunRunning, mid.run.Status)
	assert.NotEqual(t, agents.StepSucceeded, mid.run.Step(agents.TaskAnalysis).Status)

	// Another worker, with a model that answers, over the same store.
	r2 := newEarlyRun(t, corpus, offlineLLM(t), 4, false, &timeline{})
	close(r2.hold.release)
	crew, err := agents.OutreachCrew(agents.Members{Researcher: r2.members.Researcher, Analyst: r2.members.Analyst,
		Writer: r2.members.Writer, Sink: r.sink, DraftConcurrency: 4})
	require.NoError(t, err)
	runner, err := agents.NewRunner(crew, r.store, r.events, agents.RunnerConfig{})
	require.NoError(t, err)
	require.NoError(t, runner.Execute(t.Context(), run.ID))
	resumed := r.result(t, run.ID, "camp-early-cancel")
	assert.Equal(t, agents.RunSucceeded, resumed.run.Status)
	assert.Equal(t, 2, resumed.run.Attempts)
	assert.Equal(t, len(resumed.drafts), r.sink.DraftWrites(), "each draft written once")

	assert.Equal(t, draftOrder(resumed.prospects), keysOfDrafts(resumed.drafts), "nothing lost, nothing duplicated")
	assert.Equal(t, keysOfDrafts(resumed.drafts), resumed.events)
}
