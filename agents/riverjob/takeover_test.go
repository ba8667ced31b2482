package riverjob_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/postgres"
	"github.com/kpbot/kpbot/storage/sqlite"
)

// twoInstances runs fn on SQLite and PostgreSQL with two backends on one
// database, each with its own connections, as two processes would have.
func twoInstances(t *testing.T, fn func(t *testing.T, a, b backend)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		dsn := "file:" + filepath.Join(t.TempDir(), "kpbot.db")
		open := func() backend {
			db, err := sqlite.Open(context.Background(), dsn, storage.PoolConfig{MaxOpenConns: 8})
			require.NoError(t, err)
			t.Cleanup(func() { _ = db.Close() })
			return backend{name: "sqlite", db: db, newQueue: func(t *testing.T, r *agents.Runner, cfg riverjob.Config) *riverjob.Queue {
				q, err := riverjob.NewSQLite(db.DB, r, cfg)
				require.NoError(t, err)
				return q
			}}
		}
		a := open()
		require.NoError(t, bunstore.Migrate(t.Context(), a.db))
		require.NoError(t, riverjob.MigrateSQLite(t.Context(), a.db.DB))
		fn(t, a, open())
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		dsn := dbtest.PostgresDSN(t)
		open := func() (backend, *postgres.DB) {
			db, err := postgres.Open(context.Background(), dsn, storage.PoolConfig{MaxOpenConns: 8})
			require.NoError(t, err)
			t.Cleanup(db.Close)
			return backend{name: "postgres", db: db.Bun, newQueue: func(t *testing.T, r *agents.Runner, cfg riverjob.Config) *riverjob.Queue {
				q, err := riverjob.NewPostgres(db.Pool, r, cfg)
				require.NoError(t, err)
				return q
			}}, db
		}
		a, db := open()
		require.NoError(t, bunstore.Migrate(t.Context(), db.Bun))
		require.NoError(t, riverjob.MigratePostgres(t.Context(), db.Pool))
		b, _ := open()
		fn(t, a, b)
	})
}

// killSwitch makes an in-process "instance" die as SIGKILL would: once
// killed, every write or read it makes through the wrappers below hangs
// (it never renews its lease, never saves, never emits) until the test
// ends, when they fail.
type killSwitch struct {
	once   sync.Once
	killed chan struct{}
	thaw   chan struct{}
}

var errKilled = errors.New("this instance was killed")

func newKillSwitch() *killSwitch {
	return &killSwitch{killed: make(chan struct{}), thaw: make(chan struct{})}
}

func (k *killSwitch) kill() { k.once.Do(func() { close(k.killed) }) }

// gate hangs once the instance is killed.
func (k *killSwitch) gate() error {
	select {
	case <-k.killed:
		<-k.thaw
		return errKilled
	default:
		return nil
	}
}

// deadStore is a RunStore that dies with its instance.
type deadStore struct {
	inner agents.RunStore
	k     *killSwitch
}

func (s deadStore) Create(ctx context.Context, r *agents.Run) error {
	if err := s.k.gate(); err != nil {
		return err
	}
	return s.inner.Create(ctx, r)
}

func (s deadStore) CreateWithin(ctx context.Context, r *agents.Run, n int) error {
	if err := s.k.gate(); err != nil {
		return err
	}
	return s.inner.CreateWithin(ctx, r, n)
}

func (s deadStore) Get(ctx context.Context, id string) (*agents.Run, error) {
	if err := s.k.gate(); err != nil {
		return nil, err
	}
	return s.inner.Get(ctx, id)
}

func (s deadStore) ListByCampaign(ctx context.Context, id string, p agents.ListParams) (agents.RunPage, error) {
	if err := s.k.gate(); err != nil {
		return agents.RunPage{}, err
	}
	return s.inner.ListByCampaign(ctx, id, p)
}

func (s deadStore) Update(ctx context.Context, id string, fn func(*agents.Run) error) (*agents.Run, error) {
	if err := s.k.gate(); err != nil {
		return nil, err
	}
	return s.inner.Update(ctx, id, fn)
}

func (s deadStore) CountActive(ctx context.Context, owner string) (int, error) {
	if err := s.k.gate(); err != nil {
		return 0, err
	}
	return s.inner.CountActive(ctx, owner)
}

func (s deadStore) CountActiveAll(ctx context.Context) (int, error) {
	if err := s.k.gate(); err != nil {
		return 0, err
	}
	return s.inner.CountActiveAll(ctx)
}

func (s deadStore) AcquireLease(ctx context.Context, id, holder string, ttl time.Duration) error {
	if err := s.k.gate(); err != nil {
		return err
	}
	return s.inner.AcquireLease(ctx, id, holder, ttl)
}

func (s deadStore) RenewLease(ctx context.Context, id, holder string, ttl time.Duration) error {
	if err := s.k.gate(); err != nil {
		return err
	}
	return s.inner.RenewLease(ctx, id, holder, ttl)
}

func (s deadStore) ReleaseLease(ctx context.Context, id, holder string) error {
	if err := s.k.gate(); err != nil {
		return err
	}
	return s.inner.ReleaseLease(ctx, id, holder)
}

func (s deadStore) Lease(ctx context.Context, id string) (agents.RunLease, error) {
	if err := s.k.gate(); err != nil {
		return agents.RunLease{}, err
	}
	return s.inner.Lease(ctx, id)
}

func (s deadStore) UpdateLeased(ctx context.Context, id, holder string, fn func(*agents.Run) error) (*agents.Run, error) {
	if err := s.k.gate(); err != nil {
		return nil, err
	}
	return s.inner.UpdateLeased(ctx, id, holder, fn)
}

// deadSink is a crew sink that dies with its instance.
type deadSink struct {
	inner agents.Sink
	k     *killSwitch
}

func (s deadSink) SaveProspect(ctx context.Context, p agents.ProspectResult) (string, bool, error) {
	if err := s.k.gate(); err != nil {
		return "", false, err
	}
	return s.inner.SaveProspect(ctx, p)
}

func (s deadSink) SaveDraft(ctx context.Context, d agents.DraftResult) (bool, error) {
	if err := s.k.gate(); err != nil {
		return false, err
	}
	return s.inner.SaveDraft(ctx, d)
}

func (s deadSink) ExistingDrafts(ctx context.Context, campaignID string) ([]string, error) {
	if err := s.k.gate(); err != nil {
		return nil, err
	}
	return s.inner.ExistingDrafts(ctx, campaignID)
}

func (s deadSink) DraftedProspects(ctx context.Context, campaignID string) (map[string]bool, error) {
	if err := s.k.gate(); err != nil {
		return nil, err
	}
	return s.inner.DraftedProspects(ctx, campaignID)
}

// logSink writes run events to the real event log, which numbers them per
// run topic in the database; k, when set, kills it with its instance.
type logSink struct {
	log *bunstore.Events
	k   *killSwitch
}

func (s logSink) Emit(ctx context.Context, runID, _, name string, data any) error {
	if s.k != nil {
		if err := s.k.gate(); err != nil {
			return err
		}
	}
	_, err := s.log.Append(ctx, name, data, events.RunTopic(runID))
	return err
}

// instance is one in-process "server": a runner and a queue on the shared
// database, whose writes k can kill.
type instance struct {
	runner *agents.Runner
	queue  *riverjob.Queue
	llm    *crewtest.GatedLLM
	held   *heldSink // nil unless draft saves are held
}

const (
	testLease = 5 * time.Second
	testReap  = 250 * time.Millisecond
)

func newInstance(t *testing.T, b backend, name string, sink agents.Sink, log *bunstore.Events, llm *crewtest.GatedLLM, k *killSwitch, maxRuns int, tweak ...func(*riverjob.Config)) *instance {
	t.Helper()
	return newInstanceHeld(t, b, name, sink, log, llm, k, -1, maxRuns, tweak...)
}

// newInstanceHeld is newInstance whose draft saves are held after the
// first holdAfter (instance.held; never when negative).
func newInstanceHeld(t *testing.T, b backend, name string, sink agents.Sink, log *bunstore.Events, llm *crewtest.GatedLLM, k *killSwitch, holdAfter, maxRuns int, tweak ...func(*riverjob.Config)) *instance {
	t.Helper()
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, Timeout: 5 * time.Second})
	require.NoError(t, err)
	var store agents.RunStore = bunstore.NewRuns(b.db)
	if k != nil {
		store, sink = deadStore{inner: store, k: k}, deadSink{inner: sink, k: k}
	}
	var held *heldSink
	if holdAfter >= 0 {
		held = newHeldSink(sink, holdAfter)
		sink = held
	}
	m, err := crewtest.Outreach(f, llm, sink)
	require.NoError(t, err)
	// One draft at a time: the gated model holds the N-th call, and with
	// drafts written at once which draft makes it would be left to chance.
	m.DraftConcurrency = 1
	crew, err := agents.OutreachCrew(m)
	require.NoError(t, err)
	r, err := agents.NewRunner(crew, store, logSink{log: log, k: k}, agents.RunnerConfig{
		CancelPollInterval: 100 * time.Millisecond, Lease: testLease, Instance: name,
	})
	require.NoError(t, err)
	cfg := fastConfig()
	cfg.MaxRunsTotal, cfg.ReapInterval = maxRuns, testReap
	for _, fn := range tweak {
		fn(&cfg)
	}
	return &instance{runner: r, queue: b.newQueue(t, r, cfg), llm: llm, held: held}
}

// startDoomedRun starts "instance-a" on dbA, submits a run of a new
// campaign to it and waits until it is held: its writer at model call
// gateAt when holdAfter is negative, else its crew at the draft save
// after the first holdAfter (which are stored and counted then); killing
// the instance (k.kill) is the caller's. The cleanup thaws the dead
// instance's hung calls and stops what is left of it.
func startDoomedRun(t *testing.T, dbA, b backend, corpus *webtest.Corpus, sink *crewtest.Sink, log *bunstore.Events, gateAt, holdAfter int) (*killSwitch, agents.Brief, *agents.Run) {
	t.Helper()
	k := newKillSwitch()
	if holdAfter >= 0 {
		gateAt = -1
	}
	a := newInstanceHeld(t, dbA, "instance-a", sink, log, crewtest.NewGatedLLM(offlineLLM(t), gateAt), k, holdAfter, 1)
	require.NoError(t, a.queue.Start(t.Context()))
	t.Cleanup(func() {
		close(k.thaw)
		a.llm.Release()
		if a.held != nil {
			a.held.Release()
		}
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = a.queue.StopAndCancel(sctx)
	})
	brief := newCampaign(t, b.db, corpus)
	run, err := a.queue.Submit(t.Context(), brief)
	require.NoError(t, err)
	reached := a.llm.Reached()
	if a.held != nil {
		reached = a.held.Reached()
	}
	select {
	case <-reached:
	case <-time.After(30 * time.Second):
		t.Fatal("the run never reached drafting")
	}
	return k, brief, run
}

// TestKilledInstanceRunIsTakenOver: an instance dies mid-run, as SIGKILL
// leaves it (its job "running" in River, its lease no longer renewed);
// another instance on the same database takes the run over within the
// lease and two reaper looks, and finishes it: no prospect or draft lost
// or doubled, the run's events numbered without a hole, progress never
// lower after the resume than stored before the kill, and the owner's run
// quota held until the run finishes and freed then.
func TestKilledInstanceRunIsTakenOver(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	twoInstances(t, func(t *testing.T, dbA, b backend) {
		ctx := t.Context()
		sink, log := crewtest.NewSink(), bunstore.NewEvents(b.db)
		// Drafting starts during analysis (the crew's analyst is a
		// HookedAnalyst), and drafts are stored in order once it ends: the
		// crew is held at its third draft save, two drafts stored.
		k, brief, run := startDoomedRun(t, dbA, b, corpus, sink, log, -1, 2)
		store := bunstore.NewRuns(b.db)
		// Let a progress save land mid-drafting, then kill the instance.
		require.Eventually(t, func() bool {
			r, err := store.Get(ctx, run.ID)
			require.NoError(t, err)
			return r.Step(agents.TaskDrafting).Status == agents.StepRunning && r.Progress > 0.6
		}, 10*time.Second, 20*time.Millisecond)
		k.kill()
		killedAt := time.Now()
		before, err := store.Get(ctx, run.ID)
		require.NoError(t, err)
		require.Equal(t, agents.RunRunning, before.Status)
		draftsBefore := len(sink.Drafts(brief.CampaignID))
		require.Equal(t, 2, draftsBefore, "the drafts before the held save were stored before the kill")
		t.Logf("%s: killed with %d drafts stored, %d of them drafted during analysis", b.name, draftsBefore,
			before.Step(agents.TaskDrafting).Stats[agents.CountDraftedEarly])
		lease, err := store.Lease(ctx, run.ID)
		require.NoError(t, err)
		require.Contains(t, lease.Holder, "instance-a/", "the row names the executing instance")

		// Instance b; the dead run still holds its owner's only run slot.
		bInst := newInstance(t, b, "instance-b", sink, log, crewtest.NewGatedLLM(offlineLLM(t), -1), nil, 4)
		_, err = bInst.queue.Submit(ctx, brief)
		require.ErrorIs(t, err, agents.ErrTooManyRuns, "the crashed run counts until it is finished")
		require.NoError(t, bInst.queue.Start(ctx))
		t.Cleanup(func() { _ = bInst.queue.Stop(context.Background()) })

		// b takes the run over: its lease, once a's has lapsed.
		bound := testLease + 2*testReap + 5*time.Second // generous for a loaded machine
		var takenAfter time.Duration
		require.Eventually(t, func() bool {
			l, err := store.Lease(ctx, run.ID)
			require.NoError(t, err)
			takenAfter = time.Since(killedAt)
			return len(l.Holder) > len("instance-b/") && l.Holder[:len("instance-b/")] == "instance-b/"
		}, bound, 20*time.Millisecond, "the run is taken over within the bound")
		t.Logf("%s: run taken over %s after the kill (lease %s, reaper every %s)", b.name, takenAfter.Round(time.Millisecond), testLease, testReap)

		done := waitStatus(t, store, run.ID, agents.RunSucceeded, 60*time.Second)
		assert.GreaterOrEqual(t, done.Attempts, 2)
		assert.InDelta(t, 1, done.Progress, 1e-9)

		// No prospect or draft lost or doubled.
		prospects := sink.Prospects(brief.CampaignID)
		drafts := sink.Drafts(brief.CampaignID)
		assert.Greater(t, len(drafts), draftsBefore)
		assert.Equal(t, len(prospects), sink.ProspectWrites(), "each prospect saved once: analysis was not redone")
		assert.Equal(t, len(drafts), sink.DraftWrites(), "each draft saved once")
		open := 0
		for _, p := range prospects {
			if p.AcceptsComments {
				open++
			}
		}
		assert.Equal(t, open, len(drafts), "every open post got exactly one draft")
		// The run is saved after each draft: only a draft stored just
		// before the kill, ahead of that save, may go uncounted (it is
		// there, once).
		uncounted := draftsBefore - before.Stats.Drafts
		assert.LessOrEqual(t, uncounted, 1)
		assert.Equal(t, len(drafts)-uncounted, done.Stats.Drafts)
		assert.Equal(t, len(prospects), done.Stats.Prospects)

		// The run's events: 1, 2, 3, ... with no hole; two starts, the
		// second resumed; progress never goes back, and after the resume
		// it is never below what was stored before the kill.
		var evs []events.Event
		require.Eventually(t, func() bool { // run.succeeded follows the run's last save
			evs, err = log.After(ctx, events.RunTopic(run.ID), 0, 10000)
			require.NoError(t, err)
			return len(evs) > 0 && evs[len(evs)-1].Name == agents.EventRunSucceeded
		}, 10*time.Second, 20*time.Millisecond)
		var starts []agents.RunEventData
		last := 0.0
		for i, ev := range evs {
			assert.EqualValues(t, i+1, ev.Seq, "seq of %s", ev.Name)
			switch ev.Name {
			case agents.EventRunStarted:
				var d agents.RunEventData
				require.NoError(t, json.Unmarshal(ev.Data, &d))
				starts = append(starts, d)
				if len(starts) == 2 {
					assert.GreaterOrEqual(t, d.Progress, before.Progress, "the resumed run starts where it was")
				}
			case agents.EventRunProgress:
				var d agents.ProgressData
				require.NoError(t, json.Unmarshal(ev.Data, &d))
				assert.GreaterOrEqual(t, d.Progress, last, "progress never goes back (event %d)", ev.Seq)
				if len(starts) >= 2 {
					assert.GreaterOrEqual(t, d.Progress, before.Progress, "progress after the resume (event %d)", ev.Seq)
				}
				last = d.Progress
			}
		}
		// Two starts: a's and b's. A machine so loaded that b cannot renew
		// its lease for 2/3 of it makes b stop and resume once more; every
		// check above holds all the same.
		require.GreaterOrEqual(t, len(starts), 2)
		assert.Equal(t, done.Attempts, len(starts))
		for i, st := range starts {
			assert.Equal(t, i > 0, st.Resumed, "start %d", i+1)
		}
		if len(starts) > 2 {
			t.Logf("%s: %d starts: b resumed the run again after failing to renew its lease", b.name, len(starts))
		}
		assert.Equal(t, agents.EventRunSucceeded, evs[len(evs)-1].Name)

		// The quota is free again.
		next, err := bInst.queue.Submit(ctx, brief)
		require.NoError(t, err, "the finished run no longer counts")
		waitStatus(t, store, next.ID, agents.RunSucceeded, 60*time.Second)
	})
}

// TestKilledRunOutOfAttemptsIsFailed: a run of a dead instance that has
// used up its attempts is failed by the instance that finds it, which
// frees its owner's run slot.
func TestKilledRunOutOfAttemptsIsFailed(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	twoInstances(t, func(t *testing.T, dbA, b backend) {
		ctx := t.Context()
		sink, log := crewtest.NewSink(), bunstore.NewEvents(b.db)
		k, brief, run := startDoomedRun(t, dbA, b, corpus, sink, log, 0, -1)
		k.kill()

		one := func(c *riverjob.Config) { c.MaxAttempts = 1 }
		bInst := newInstance(t, b, "instance-b", sink, log, crewtest.NewGatedLLM(offlineLLM(t), -1), nil, 4, one)
		require.NoError(t, bInst.queue.Start(ctx))
		t.Cleanup(func() { _ = bInst.queue.Stop(context.Background()) })
		store := bunstore.NewRuns(b.db)
		failed := waitStatus(t, store, run.ID, agents.RunFailed, testLease+2*testReap+30*time.Second)
		assert.Contains(t, failed.Error, "gave up after 1 attempts")
		assert.Equal(t, 1, failed.Attempts, "not executed again")
		next, err := bInst.queue.Submit(ctx, brief)
		require.NoError(t, err, "the failed run no longer counts")
		_, err = bInst.queue.Cancel(ctx, next.ID)
		require.NoError(t, err)
	})
}

// TestEnqueueExistingRun: Enqueue starts an active run that has no job,
// adds nothing while its job waits or runs, and refuses a finished run.
func TestEnqueueExistingRun(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		llm := crewtest.NewGatedLLM(offlineLLM(t), 0)
		runner := newRunner(t, b.db, llm, crewtest.NewSink(), agents.NewRecorder())
		q := b.newQueue(t, runner, fastConfig())
		require.NoError(t, q.Start(ctx))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })

		run, err := runner.Create(ctx, newCampaign(t, b.db, corpus))
		require.NoError(t, err)
		require.NoError(t, q.Enqueue(ctx, run.ID))
		select {
		case <-llm.Reached():
		case <-time.After(30 * time.Second):
			t.Fatal("the enqueued run never ran")
		}
		got, err := runner.Store().Get(ctx, run.ID)
		require.NoError(t, err)
		require.NotZero(t, got.JobID)
		require.NoError(t, q.Enqueue(ctx, run.ID))
		again, err := runner.Store().Get(ctx, run.ID)
		require.NoError(t, err)
		assert.Equal(t, got.JobID, again.JobID, "its job is running: nothing added")
		llm.Release()
		done := waitStatus(t, runner.Store(), run.ID, agents.RunSucceeded, 60*time.Second)
		assert.Equal(t, 1, done.Attempts)
		assert.ErrorIs(t, q.Enqueue(ctx, run.ID), agents.ErrRunFinished)
	})
}
