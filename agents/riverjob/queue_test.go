package riverjob_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// backend is one database with River's tables, and a way to make queues on it.
type backend struct {
	name     string
	db       *bun.DB
	newQueue func(t *testing.T, r *agents.Runner, cfg riverjob.Config) *riverjob.Queue
}

func sqliteBackend(t *testing.T) backend {
	db := dbtest.SQLite(t)
	require.NoError(t, riverjob.MigrateSQLite(t.Context(), db.DB))
	return backend{name: "sqlite", db: db, newQueue: func(t *testing.T, r *agents.Runner, cfg riverjob.Config) *riverjob.Queue {
		q, err := riverjob.NewSQLite(db.DB, r, cfg)
		require.NoError(t, err)
		return q
	}}
}

func postgresBackend(t *testing.T) backend {
	db := dbtest.Postgres(t)
	require.NoError(t, riverjob.MigratePostgres(t.Context(), db.Pool))
	return backend{name: "postgres", db: db.Bun, newQueue: func(t *testing.T, r *agents.Runner, cfg riverjob.Config) *riverjob.Queue {
		q, err := riverjob.NewPostgres(db.Pool, r, cfg)
		require.NoError(t, err)
		return q
	}}
}

// eachBackend runs fn on SQLite and, when configured, PostgreSQL.
func eachBackend(t *testing.T, fn func(t *testing.T, b backend)) {
	t.Run("sqlite", func(t *testing.T) { t.Parallel(); fn(t, sqliteBackend(t)) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); fn(t, postgresBackend(t)) })
}

// newCampaign saves a user and a campaign and returns a brief for it.
func newCampaign(t *testing.T, db *bun.DB, corpus *webtest.Corpus) agents.Brief {
	t.Helper()
	ctx := t.Context()
	at := time.Now().UTC().Truncate(time.Microsecond)
	u := &auth.User{ID: "u-" + time.Now().Format("150405.000000000"), Role: auth.RoleUser, PasswordHash: []byte("x"), CreatedAt: at, UpdatedAt: at}
	u.Email = u.ID + "@example.test"
	require.NoError(t, bunstore.NewUsers(db).CreateUser(ctx, u))
	c, err := campaign.New(u.ID, campaign.CreateInput{Name: "river", Keywords: []string{"postgres", "go", "database", "query", "index"}}, at)
	require.NoError(t, err)
	require.NoError(t, bunstore.NewCampaigns(db).Create(ctx, c))
	return agents.Brief{CampaignID: c.ID, OwnerID: u.ID, Keywords: c.Keywords, SeedURLs: corpus.SeedURLs(), MaxProspects: 100}
}

func newRunner(t *testing.T, db *bun.DB, llm agents.LLM, sink agents.Sink, events *agents.Recorder) *agents.Runner {
	t.Helper()
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 5 * time.Second})
	require.NoError(t, err)
	m, err := crewtest.Outreach(f, llm, sink)
	require.NoError(t, err)
	// One draft at a time: the gated model holds the N-th call, and with
	// drafts written at once which draft makes it would be left to chance.
	m.DraftConcurrency = 1
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	r, err := agents.NewRunner(crew, bunstore.NewRuns(db), events, agents.RunnerConfig{CancelPollInterval: 100 * time.Millisecond})
	require.NoError(t, err)
	return r
}

func offlineLLM(t *testing.T) agents.LLM {
	g, err := offline.New(offline.Config{})
	require.NoError(t, err)
	return g
}

func fastConfig() riverjob.Config {
	return riverjob.Config{RetryDelay: 200 * time.Millisecond, FetchPollInterval: 100 * time.Millisecond, MaxRunsPerUser: 1}
}

// waitStatus polls the run until it has status want.
func waitStatus(t *testing.T, store agents.RunStore, runID string, want agents.RunStatus, within time.Duration) *agents.Run {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r, err := store.Get(t.Context(), runID)
		require.NoError(t, err)
		if r.Status == want {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s is %s after %s, want %s (error %q)", runID, r.Status, within, want, r.Error)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestRunSucceedsAndLimitsPerUser(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	eachBackend(t, func(t *testing.T, b backend) {
		sink, events := crewtest.NewSink(), agents.NewRecorder()
		llm := crewtest.NewGatedLLM(offlineLLM(t), 0)
		runner := newRunner(t, b.db, llm, sink, events)
		q := b.newQueue(t, runner, fastConfig())
		require.NoError(t, q.Start(t.Context()))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })

		brief := newCampaign(t, b.db, corpus)
		run, err := q.Submit(t.Context(), brief)
		require.NoError(t, err)
		assert.NotZero(t, run.JobID)
		_, err = q.Submit(t.Context(), brief)
		var limit *agents.RunLimitError
		require.ErrorAs(t, err, &limit, "a second active run of the same owner is refused")
		assert.ErrorIs(t, err, agents.ErrTooManyRuns)
		assert.Equal(t, agents.LimitPerUser, limit.Scope)

		llm.Release()
		done := waitStatus(t, runner.Store(), run.ID, agents.RunSucceeded, 30*time.Second)
		assert.Positive(t, done.Stats.Prospects)
		assert.Equal(t, len(sink.Drafts(brief.CampaignID)), done.Stats.Drafts)

		_, err = q.Cancel(t.Context(), run.ID)
		assert.ErrorIs(t, err, agents.ErrRunFinished)
		next, err := q.Submit(t.Context(), brief)
		require.NoError(t, err, "a finished run no longer counts against the limit")
		waitStatus(t, runner.Store(), next.ID, agents.RunSucceeded, 30*time.Second)
	})
}

func TestCancelStopsTheJobWithinASecond(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	eachBackend(t, func(t *testing.T, b backend) {
		sink, events := crewtest.NewSink(), agents.NewRecorder()
		llm := crewtest.NewGatedLLM(offlineLLM(t), 1)
		runner := newRunner(t, b.db, llm, sink, events)
		q := b.newQueue(t, runner, fastConfig())
		require.NoError(t, q.Start(t.Context()))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })

		run, err := q.Submit(t.Context(), newCampaign(t, b.db, corpus))
		require.NoError(t, err)
		select {
		case <-llm.Reached():
		case <-time.After(30 * time.Second):
			t.Fatal("the run never reached drafting")
		}
		start := time.Now()
		_, err = q.Cancel(t.Context(), run.ID)
		require.NoError(t, err)
		// The job's execution ends: it stops asking the LLM, and the
		// runner's last save lands within a second.
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		_, err = events.Wait(ctx, run.ID, agents.EventRunCancelled)
		require.NoError(t, err)
		got := waitStatus(t, runner.Store(), run.ID, agents.RunCancelled, time.Second)
		assert.Less(t, time.Since(start), time.Second)
		assert.NotContains(t, events.Names(run.ID), agents.EventRunSucceeded)
		calls := llm.Calls()
		time.Sleep(300 * time.Millisecond)
		assert.Equal(t, calls, llm.Calls(), "nothing drafts after the cancel")
		assert.Equal(t, agents.StepCancelled, got.Step(agents.TaskDrafting).Status)
	})
}

func TestCrashResumeWithoutDuplicates(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	eachBackend(t, func(t *testing.T, b backend) {
		sink, events := crewtest.NewSink(), agents.NewRecorder()
		llm := offlineLLM(t)
		// Drafting starts during analysis and drafts are stored in order
		// once it ends: the first process is held at its third draft
		// save, two drafts stored, and crashes there.
		held := newHeldSink(sink, 2)
		t.Cleanup(held.Release)
		first := newRunner(t, b.db, llm, held, events)
		q1 := b.newQueue(t, first, fastConfig())
		require.NoError(t, q1.Start(t.Context()))
		brief := newCampaign(t, b.db, corpus)
		run, err := q1.Submit(t.Context(), brief)
		require.NoError(t, err)
		select {
		case <-held.Reached():
		case <-time.After(30 * time.Second):
			t.Fatal("the run never reached drafting")
		}
		draftsBefore := len(sink.Drafts(brief.CampaignID))
		require.Equal(t, 2, draftsBefore, "the drafts before the held save were saved before the crash")

		// Kill the worker hard.
		require.NoError(t, q1.StopAndCancel(t.Context()))
		mid, err := first.Store().Get(t.Context(), run.ID)
		require.NoError(t, err)
		assert.Equal(t, agents.RunRunning, mid.Status, "the crashed run waits for a worker")

		// A fresh process: new runner, new River client, same database.
		second := newRunner(t, b.db, llm, sink, events)
		q2 := b.newQueue(t, second, fastConfig())
		require.NoError(t, q2.Start(t.Context()))
		t.Cleanup(func() { _ = q2.Stop(context.Background()) })
		done := waitStatus(t, second.Store(), run.ID, agents.RunSucceeded, 60*time.Second)
		assert.Equal(t, 2, done.Attempts)

		prospects := sink.Prospects(brief.CampaignID)
		drafts := sink.Drafts(brief.CampaignID)
		assert.Greater(t, len(drafts), draftsBefore)
		assert.Equal(t, len(prospects), sink.ProspectWrites(), "each prospect saved once: analysis was not redone")
		assert.Equal(t, len(drafts), sink.DraftWrites(), "each draft saved once: drafted prospects were skipped")
		open := 0
		for _, p := range prospects {
			if p.AcceptsComments {
				open++
			}
		}
		assert.Equal(t, open, len(drafts), "every open post got exactly one draft")
		assert.Equal(t, len(drafts), done.Stats.Drafts, "stats count each draft once")
		// The run is saved succeeded before run.succeeded is emitted.
		wctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		defer cancel()
		_, err = events.Wait(wctx, run.ID, agents.EventRunSucceeded)
		require.NoError(t, err)
		started := 0
		for _, e := range events.Events(run.ID) {
			if e.Name == agents.EventRunStarted {
				started++
			}
		}
		assert.Equal(t, 2, started)
		names := events.Names(run.ID)
		assert.Equal(t, agents.EventRunSucceeded, names[len(names)-1], "%v", names)
	})
}

// TestJobOfADeletedRunIsCancelledAtOnce: a job whose run no longer exists
// (its campaign or account was deleted) is cancelled on its first attempt,
// not retried.
func TestJobOfADeletedRunIsCancelledAtOnce(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	eachBackend(t, func(t *testing.T, b backend) {
		runner := newRunner(t, b.db, offlineLLM(t), crewtest.NewSink(), agents.NewRecorder())
		q := b.newQueue(t, runner, fastConfig())
		run, err := runner.Create(t.Context(), newCampaign(t, b.db, corpus))
		require.NoError(t, err)
		require.NoError(t, q.Enqueue(t.Context(), run.ID))
		_, err = b.db.NewDelete().TableExpr("kpbot_runs").Where("id = ?", run.ID).Exec(t.Context())
		require.NoError(t, err, "the run is deleted before a worker takes its job")
		require.NoError(t, q.Start(t.Context()))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })

		var job struct {
			State   string `bun:"state"`
			Attempt int    `bun:"attempt"`
		}
		require.Eventually(t, func() bool {
			err := b.db.NewSelect().TableExpr("river_job").Column("state", "attempt").
				Where("kind = ?", riverjob.RunArgs{}.Kind()).Scan(t.Context(), &job)
			return err == nil && job.State == "cancelled"
		}, 20*time.Second, 20*time.Millisecond, "the job ends cancelled")
		assert.Equal(t, 1, job.Attempt, "cancelled on its first attempt, not retried: %+v", job)
	})
}
