package agents_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/reviewer"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// fixture is a runner over an in-memory store and sink.
type fixture struct {
	corpus *webtest.Corpus
	store  *crewtest.RunStore
	sink   *crewtest.Sink
	events *agents.Recorder
	runner *agents.Runner
}

func newFetcher(t testing.TB) *web.Fetcher {
	t.Helper()
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 5 * time.Second})
	require.NoError(t, err)
	return f
}

func offlineLLM(t testing.TB) agents.LLM {
	t.Helper()
	g, err := offline.New(offline.Config{})
	require.NoError(t, err)
	return g
}

func newFixture(t *testing.T, corpus *webtest.Corpus, llm agents.LLM) *fixture {
	return newFixtureDrafting(t, corpus, llm, 0)
}

// newFixtureDrafting is newFixture writing conc drafts at once (0: the
// default).
func newFixtureDrafting(t *testing.T, corpus *webtest.Corpus, llm agents.LLM, conc int) *fixture {
	return newFixtureWith(t, corpus, llm, conc, nil)
}

// newFixtureWith is newFixtureDrafting with the crew's members changed by
// change, when not nil.
func newFixtureWith(t *testing.T, corpus *webtest.Corpus, llm agents.LLM, conc int, change func(*agents.Members)) *fixture {
	t.Helper()
	fx := &fixture{corpus: corpus, store: crewtest.NewRunStore(), sink: crewtest.NewSink(), events: agents.NewRecorder()}
	m, err := crewtest.Outreach(newFetcher(t), llm, fx.sink)
	require.NoError(t, err)
	m.DraftConcurrency = conc
	if change != nil {
		change(&m)
	}
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	fx.runner, err = agents.NewRunner(crew, fx.store, fx.events, agents.RunnerConfig{CancelPollInterval: 50 * time.Millisecond})
	require.NoError(t, err)
	return fx
}

func brief(corpus *webtest.Corpus, campaignID string) agents.Brief {
	return agents.Brief{
		CampaignID:   campaignID,
		OwnerID:      "owner-" + campaignID,
		Keywords:     []string{"postgres", "go", "database", "query", "index"},
		SeedURLs:     corpus.SeedURLs(),
		Tone:         "friendly",
		MaxProspects: 100,
	}
}

func keys(ps []agents.ProspectResult) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Key()
	}
	return out
}

func postText(p webtest.Post) string {
	return strings.Join(p.Sections, "\n\n")
}

func TestPipelineEndToEnd(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	fx := newFixture(t, corpus, offlineLLM(t))
	ctx := t.Context()

	run, err := fx.runner.Create(ctx, brief(corpus, "camp-e2e"))
	require.NoError(t, err)
	require.NoError(t, fx.runner.Execute(ctx, run.ID))

	got, err := fx.store.Get(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunSucceeded, got.Status)
	assert.InDelta(t, 1.0, got.Progress, 1e-9)
	require.NotNil(t, got.StartedAt)
	require.NotNil(t, got.FinishedAt)
	require.Len(t, got.Steps, 3)
	for _, s := range got.Steps {
		assert.Equal(t, agents.StepSucceeded, s.Status, "step %s", s.Name)
		assert.NotNil(t, s.StartedAt)
		assert.NotNil(t, s.FinishedAt)
	}

	prospects := fx.sink.Prospects("camp-e2e")
	pk := keys(prospects)
	for _, u := range corpus.RelevantURLs() {
		assert.Contains(t, pk, u, "relevant post should be a prospect")
	}
	for _, u := range corpus.DisallowedURLs() {
		assert.NotContains(t, pk, u, "robots-disallowed post must not be a prospect")
	}
	for _, u := range corpus.IrrelevantURLs() {
		assert.NotContains(t, pk, u, "off-topic post must not be a prospect")
	}
	assert.Zero(t, corpus.DisallowedHits(), "nothing under a disallowed path may be fetched")
	for _, p := range prospects {
		assert.NotContains(t, p.Key(), "utm_", "tracking parameters must be stripped")
		_, known := corpus.Post(p.Key())
		assert.True(t, known, "prospect %s is a canonical post URL", p.Key())
		assert.Greater(t, p.Relevance, 0.0)
	}
	assert.Len(t, prospects, len(corpus.RelevantURLs()), "each relevant post once: duplicates collapse")
	assert.Equal(t, len(prospects), got.Stats.Prospects)
	assert.Equal(t, len(corpus.RelevantURLs()), len(prospects))

	// Every post that takes comments got a draft that names something
	// from its own post.
	drafts := fx.sink.Drafts("camp-e2e")
	require.NotEmpty(t, drafts)
	open := 0
	for _, p := range prospects {
		if p.AcceptsComments {
			open++
		}
	}
	assert.Equal(t, open, len(drafts))
	assert.Equal(t, len(drafts), got.Stats.Drafts)
	idOf := map[string]string{}
	for _, p := range prospects {
		require.NotEmpty(t, p.ProspectID, "the sink gave %s an id", p.Key())
		idOf[p.Key()] = p.ProspectID
	}
	var bodies []string
	for _, d := range drafts {
		post, ok := corpus.Post(d.ProspectKey)
		require.True(t, ok, d.ProspectKey)
		assert.Equal(t, idOf[d.ProspectKey], d.ProspectID, "the draft names its prospect by the id SaveProspect returned")
		assert.True(t, post.CommentsOpen(), "draft only for posts with open comments: %s", d.ProspectKey)
		res := reviewer.Review(reviewer.Config{}, d.Body, reviewer.PostInput{Title: post.Title, Text: postText(post)}, nil)
		assert.NotEmpty(t, res.Terms, "draft for %s names nothing from its post: %q", d.ProspectKey, d.Body)
		assert.NotContains(t, d.Flags, reviewer.FlagNoPostReference)
		assert.Positive(t, d.Attempts)
		bodies = append(bodies, d.Body)
	}
	assert.Len(t, slices.Compact(slices.Sorted(slices.Values(bodies))), len(bodies), "drafts differ")
	assert.Positive(t, got.Usage.Tokens, "offline usage estimates are counted")

	// Events, in order.
	names := fx.events.Names(run.ID)
	require.NotEmpty(t, names)
	assert.Equal(t, agents.EventRunQueued, names[0])
	assert.Equal(t, agents.EventRunStarted, names[1])
	assert.Equal(t, agents.EventRunSucceeded, names[len(names)-1])
	lastProspect := slices.Index(names, agents.EventProspectFound)
	firstDraft := slices.Index(names, agents.EventCommentDrafted)
	require.GreaterOrEqual(t, lastProspect, 0)
	require.GreaterOrEqual(t, firstDraft, 0)
	for i, n := range names {
		if n == agents.EventProspectFound {
			assert.Less(t, i, firstDraft, "every prospect.found comes before the first comment.drafted")
		}
	}
	assert.Contains(t, names, agents.EventRunProgress)
	assert.Equal(t, len(prospects), count(names, agents.EventProspectFound))
	assert.Equal(t, len(drafts), count(names, agents.EventCommentDrafted))
	var last float64
	for _, e := range fx.events.Events(run.ID) {
		if d, ok := e.Data.(agents.ProgressData); ok {
			assert.GreaterOrEqual(t, d.Progress, last, "progress never goes back")
			last = d.Progress
		}
	}
}

func count(names []string, name string) int {
	n := 0
	for _, s := range names {
		if s == name {
			n++
		}
	}
	return n
}

func TestConcurrentRunsKeepTheirEvents(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	fx := newFixture(t, corpus, offlineLLM(t))
	ctx := t.Context()
	var ids []string
	for i := range 3 {
		b := brief(corpus, fmt.Sprintf("camp-par-%d", i))
		b.SeedURLs = b.SeedURLs[i : i+3]
		run, err := fx.runner.Create(ctx, b)
		require.NoError(t, err)
		ids = append(ids, run.ID)
	}
	var wg sync.WaitGroup
	for _, id := range ids {
		wg.Go(func() { assert.NoError(t, fx.runner.Execute(ctx, id)) })
	}
	wg.Wait()
	for i, id := range ids {
		camp := fmt.Sprintf("camp-par-%d", i)
		evs := fx.events.Events(id)
		require.NotEmpty(t, evs)
		own := map[string]bool{}
		for _, p := range fx.sink.Prospects(camp) {
			own[p.Key()] = true
		}
		found := 0
		for j, e := range evs {
			assert.Equal(t, id, e.RunID)
			assert.Equal(t, camp, e.CampaignID)
			assert.Equal(t, j+1, e.Seq, "per-run sequence without holes")
			if d, ok := e.Data.(agents.ProspectFoundData); ok {
				found++
				assert.Equal(t, id, d.RunID)
				assert.True(t, own[d.URL], "prospect %s of run %s belongs to its campaign", d.URL, id)
			}
		}
		assert.Equal(t, len(own), found)
		assert.Equal(t, agents.EventRunSucceeded, evs[len(evs)-1].Name)
	}
}

func TestCancelWithinASecond(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	llm := crewtest.NewGatedLLM(offlineLLM(t), 1)
	fx := newFixture(t, corpus, llm)
	ctx := t.Context()
	run, err := fx.runner.Create(ctx, brief(corpus, "camp-cancel"))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- fx.runner.Execute(ctx, run.ID) }()
	select {
	case <-llm.Reached():
	case <-time.After(20 * time.Second):
		t.Fatal("the run never reached drafting")
	}
	start := time.Now()
	cancelled, err := fx.runner.Cancel(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunCancelled, cancelled.Status)
	select {
	case err := <-done:
		assert.ErrorIs(t, err, agents.ErrRunCancelled)
	case <-time.After(time.Second):
		t.Fatal("the run did not stop within a second of the cancel")
	}
	assert.Less(t, time.Since(start), time.Second)
	got, err := fx.store.Get(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunCancelled, got.Status)
	names := fx.events.Names(run.ID)
	assert.Equal(t, agents.EventRunCancelled, names[len(names)-1])
	assert.NotContains(t, names, agents.EventRunSucceeded)

	_, err = fx.runner.Cancel(ctx, run.ID)
	assert.ErrorIs(t, err, agents.ErrRunFinished, "a finished run cannot be cancelled again")
}

func TestCancelFromAnotherProcessIsNoticed(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	llm := crewtest.NewGatedLLM(offlineLLM(t), 0)
	fx := newFixture(t, corpus, llm)
	ctx := t.Context()
	run, err := fx.runner.Create(ctx, brief(corpus, "camp-cancel-remote"))
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- fx.runner.Execute(ctx, run.ID) }()
	<-llm.Reached()
	// Another process's runner shares only the store.
	other, err := agents.NewRunner(fx.runner.Crew(), fx.store, fx.events, agents.RunnerConfig{})
	require.NoError(t, err)
	_, err = other.Cancel(ctx, run.ID)
	require.NoError(t, err)
	select {
	case err := <-done:
		assert.ErrorIs(t, err, agents.ErrRunCancelled)
	case <-time.After(time.Second):
		t.Fatal("the run did not notice the cancel within a second")
	}
}

func TestLLMFailureFailsTheRun(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"budget", fmt.Errorf("campaign camp-budget: %w", agents.ErrBudgetExceeded), "llm budget exceeded"},
		{"down", errors.New("connection refused"), "connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t, corpus, crewtest.FailingLLM{Err: tc.err})
			ctx := t.Context()
			run, err := fx.runner.Create(ctx, brief(corpus, "camp-"+tc.name))
			require.NoError(t, err)
			err = fx.runner.Execute(ctx, run.ID)
			require.ErrorIs(t, err, agents.ErrRunFailed)
			got, err := fx.store.Get(ctx, run.ID)
			require.NoError(t, err)
			assert.Equal(t, agents.RunFailed, got.Status)
			assert.Contains(t, got.Error, tc.want)
			assert.Contains(t, got.Error, "comment writer")
			assert.Equal(t, agents.StepFailed, got.Step(agents.TaskDrafting).Status)
			assert.Equal(t, agents.StepSucceeded, got.Step(agents.TaskAnalysis).Status)
			assert.NotEmpty(t, fx.sink.Prospects("camp-"+tc.name), "prospects found before the failure are kept")
			names := fx.events.Names(run.ID)
			assert.Equal(t, agents.EventRunFailed, names[len(names)-1])
			e, err := fx.events.Wait(ctx, run.ID, agents.EventRunFailed)
			require.NoError(t, err)
			assert.Contains(t, e.Data.(agents.RunEventData).Error, tc.want)
		})
	}
}

func TestBrokenPostsDoNotFailTheRun(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t, webtest.WithSlowDelay(3*time.Second))
	fx := newFixture(t, corpus, offlineLLM(t))
	ctx := t.Context()
	b := brief(corpus, "camp-broken")
	b.SeedURLs = b.SeedURLs[:1]
	// Candidates that fail: a private redirect, a metadata redirect, a 404.
	f, err := web.NewFetcher(web.Config{PerHostDelay: web.NoDelay, AllowPrivate: true, Timeout: time.Second})
	require.NoError(t, err)
	res := &extraCandidates{inner: fx.runner, urls: []string{
		corpus.PrivateRedirectURL(), corpus.MetadataRedirectURL(), corpus.SlowURL(), corpus.Sites()[0].URL + "/no-such-post",
	}}
	m, err := crewtest.Outreach(f, offlineLLM(t), fx.sink)
	require.NoError(t, err)
	m.Researcher = res.wrap(m.Researcher)
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	runner, err := agents.NewRunner(crew, fx.store, fx.events, agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := runner.Create(ctx, b)
	require.NoError(t, err)
	require.NoError(t, runner.Execute(ctx, run.ID))
	got, err := fx.store.Get(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunSucceeded, got.Status)
	assert.GreaterOrEqual(t, got.Stats.FetchFailures, 4)
	assert.NotEmpty(t, fx.sink.Prospects("camp-broken"))
}

// extraCandidates adds URLs to what a researcher finds.
type extraCandidates struct {
	inner any
	urls  []string
}

type researcherFunc func(ctx context.Context, b agents.Brief, found func(agents.Candidate) error) (agents.ResearchResult, error)

func (f researcherFunc) Research(ctx context.Context, b agents.Brief, found func(agents.Candidate) error) (agents.ResearchResult, error) {
	return f(ctx, b, found)
}

func (e *extraCandidates) wrap(r agents.Researcher) agents.Researcher {
	return researcherFunc(func(ctx context.Context, b agents.Brief, found func(agents.Candidate) error) (agents.ResearchResult, error) {
		res, err := r.Research(ctx, b, found)
		if err != nil {
			return res, err
		}
		for _, u := range e.urls {
			if err := found(agents.Candidate{URL: u}); err != nil {
				return res, err
			}
			res.Found++
		}
		return res, nil
	})
}

func TestResumeSkipsDraftedProspects(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	llm := crewtest.NewGatedLLM(offlineLLM(t), 3)
	// One draft at a time, in the prospects' order, after analysis: which
	// draft the gate holds is then certain (TestCancelWhileAnalysisAndDraftsRun
	// resumes a run whose drafts started during analysis).
	fx := newFixtureWith(t, corpus, llm, 1, func(m *agents.Members) { m.Analyst = plainAnalyst{m.Analyst} })
	run, err := fx.runner.Create(t.Context(), brief(corpus, "camp-resume"))
	require.NoError(t, err)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- fx.runner.Execute(ctx, run.ID) }()
	<-llm.Reached()
	cancel() // the worker goes away mid-drafting
	err = <-done
	require.ErrorIs(t, err, context.Canceled)
	mid, err := fx.store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunRunning, mid.Status, "an interrupted run stays running for the next worker")
	assert.Equal(t, agents.StepSucceeded, mid.Step(agents.TaskAnalysis).Status)
	assert.NotEmpty(t, mid.Step(agents.TaskAnalysis).Output, "analysis is checkpointed")
	before := len(fx.sink.Drafts("camp-resume"))
	require.Positive(t, before)
	fetchesBefore := corpus.TotalRequests()

	llm.Release()
	require.NoError(t, fx.runner.Execute(t.Context(), run.ID))
	got, err := fx.store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunSucceeded, got.Status)
	assert.Equal(t, 2, got.Attempts)
	drafts := fx.sink.Drafts("camp-resume")
	assert.Greater(t, len(drafts), before)
	seen := map[string]bool{}
	for _, d := range drafts {
		assert.False(t, seen[d.ProspectKey], "one draft per prospect")
		seen[d.ProspectKey] = true
	}
	// The resumed run re-read only the posts it still had to draft.
	assert.LessOrEqual(t, corpus.TotalRequests()-fetchesBefore, int64(len(drafts)-before)+int64(len(corpus.Sites())))
	started := 0
	for _, e := range fx.events.Events(run.ID) {
		if d, ok := e.Data.(agents.RunEventData); ok && e.Name == agents.EventRunStarted {
			started++
			assert.Equal(t, started == 2, d.Resumed)
		}
	}
	assert.Equal(t, 2, started)
}
