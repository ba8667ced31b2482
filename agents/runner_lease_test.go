package agents_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
)

// renewals wraps a RunStore and replaces RenewLease: nil renews as
// usual; otherwise it answers with renew's result without renewing.
type renewals struct {
	agents.RunStore
	renew atomic.Pointer[func() error]
}

func (s *renewals) RenewLease(ctx context.Context, id, holder string, ttl time.Duration) error {
	if fn := s.renew.Load(); fn != nil {
		return (*fn)()
	}
	return s.RunStore.RenewLease(ctx, id, holder, ttl)
}

func (s *renewals) set(fn func() error) { s.renew.Store(&fn) }

// waitingTask reports progress until its context ends.
func waitingTask(started chan<- struct{}) agents.TaskFunc {
	return func(ctx context.Context, tc *agents.TaskContext) error {
		close(started)
		for i := 1; ; i++ {
			tc.Progress(ctx, min(float64(i)/1000, 0.99))
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
}

func newLeaseRunner(t *testing.T, store agents.RunStore, events agents.EventSink, lease time.Duration, tasks ...agents.Task) (*agents.Runner, *agents.Run) {
	t.Helper()
	r, err := agents.NewRunner(agents.Crew{Name: "lease", Tasks: tasks}, store, events, agents.RunnerConfig{
		Lease: lease, ProgressInterval: time.Millisecond, CancelPollInterval: 20 * time.Millisecond, Instance: "test",
	})
	require.NoError(t, err)
	run, err := r.Create(t.Context(), agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"k"}})
	require.NoError(t, err)
	return r, run
}

// TestExecuteRefusesARunLeasedElsewhere: while another execution holds a
// live lease, Execute runs nothing and changes nothing.
func TestExecuteRefusesARunLeasedElsewhere(t *testing.T) {
	t.Parallel()
	store := crewtest.NewRunStore()
	var ran atomic.Bool
	r, run := newLeaseRunner(t, store, agents.NewRecorder(), time.Minute, agents.Task{Name: "work", Run: func(context.Context, *agents.TaskContext) error {
		ran.Store(true)
		return nil
	}})
	require.NoError(t, store.AcquireLease(t.Context(), run.ID, "elsewhere", time.Minute))
	err := r.Execute(t.Context(), run.ID)
	require.ErrorIs(t, err, agents.ErrLeaseHeld)
	assert.False(t, ran.Load())
	got, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunQueued, got.Status)
	assert.Zero(t, got.Attempts)
	l, err := store.Lease(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, "elsewhere", l.Holder, "the other execution keeps its lease")

	// Once it lets go, the run executes, and its lease is released after.
	require.NoError(t, store.ReleaseLease(t.Context(), run.ID, "elsewhere"))
	require.NoError(t, r.Execute(t.Context(), run.ID))
	assert.True(t, ran.Load())
	l, err = store.Lease(t.Context(), run.ID)
	require.NoError(t, err)
	assert.False(t, l.Live)
	assert.Contains(t, l.Holder, "test/", "the holder names the instance")
}

// TestExecuteStopsWhenItsLeaseIsTakenOver: an execution that has not
// renewed its lease (a stalled process) and whose lease another execution
// then acquired stops with ErrLeaseLost at its next write, and writes
// nothing over the new holder's run.
func TestExecuteStopsWhenItsLeaseIsTakenOver(t *testing.T) {
	t.Parallel()
	store := &renewals{RunStore: crewtest.NewRunStore()}
	store.set(func() error { return nil }) // "renews" without renewing
	started := make(chan struct{})
	events := agents.NewRecorder()
	r, run := newLeaseRunner(t, store, events, 300*time.Millisecond, agents.Task{Name: "work", Run: waitingTask(started)})
	done := make(chan error, 1)
	go func() { done <- r.Execute(t.Context(), run.ID) }()
	<-started
	require.Eventually(t, func() bool {
		return store.AcquireLease(t.Context(), run.ID, "thief", time.Minute) == nil
	}, 10*time.Second, 10*time.Millisecond, "the unrenewed lease lapses and is taken")
	_, err := store.UpdateLeased(t.Context(), run.ID, "thief", func(r *agents.Run) error { r.Progress = 0.001; return nil })
	require.NoError(t, err)
	select {
	case err := <-done:
		require.ErrorIs(t, err, agents.ErrLeaseLost)
	case <-time.After(10 * time.Second):
		t.Fatal("the execution did not stop")
	}
	got, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.InDelta(t, 0.001, got.Progress, 1e-9, "the old execution wrote nothing after the takeover")
	l, err := store.Lease(t.Context(), run.ID)
	require.NoError(t, err)
	assert.True(t, l.Live && l.Holder == "thief", "the old execution's release left the thief's lease alone: %+v", l)
	names := events.Names(run.ID)
	assert.NotContains(t, names, agents.EventRunFailed)
	assert.NotContains(t, names, agents.EventRunSucceeded)
}

// TestExecuteStopsWhenItCannotRenew: an execution whose renewals fail for
// 2/3 of its lease stops as if interrupted, before the lease may lapse:
// the run stays running, resumable, and the lease is released.
func TestExecuteStopsWhenItCannotRenew(t *testing.T) {
	t.Parallel()
	store := &renewals{RunStore: crewtest.NewRunStore()}
	store.set(func() error { return errors.New("database unreachable") })
	started := make(chan struct{})
	const lease = 600 * time.Millisecond
	r, run := newLeaseRunner(t, store, agents.NewRecorder(), lease, agents.Task{Name: "work", Run: waitingTask(started)})
	begun := time.Now()
	err := r.Execute(t.Context(), run.ID)
	stopped := time.Since(begun)
	require.Error(t, err)
	assert.ErrorContains(t, err, "lease not renewed")
	assert.NotErrorIs(t, err, agents.ErrLeaseLost)
	assert.GreaterOrEqual(t, stopped, lease*2/3, "it tried to renew until 2/3 of the lease")
	got, gerr := store.Get(t.Context(), run.ID)
	require.NoError(t, gerr)
	assert.Equal(t, agents.RunRunning, got.Status, "the run waits to be resumed")
	assert.Equal(t, agents.StepPending, got.Step("work").Status)
	l, lerr := store.Lease(t.Context(), run.ID)
	require.NoError(t, lerr)
	assert.False(t, l.Live, "released")
	require.NoError(t, store.AcquireLease(t.Context(), run.ID, "next", time.Minute), "free for the next execution at once")
}

// TestResumeNeverLowersProgress: a resumed run redoes a task that saved no
// checkpoint, and its progress, stored and reported, stays at or above
// what it had reached before the interruption.
func TestResumeNeverLowersProgress(t *testing.T) {
	t.Parallel()
	store := crewtest.NewRunStore()
	events := agents.NewRecorder()
	var blockSecond atomic.Bool
	blockSecond.Store(true)
	reached := make(chan struct{}, 1)
	first := func(ctx context.Context, tc *agents.TaskContext) error {
		for i := 1; i <= 10; i++ {
			tc.Progress(ctx, float64(i)/10)
			time.Sleep(2 * time.Millisecond)
		}
		return nil
	}
	second := func(ctx context.Context, tc *agents.TaskContext) error {
		tc.Progress(ctx, 0.5)
		if blockSecond.Load() {
			select {
			case reached <- struct{}{}:
			default:
			}
			for { // halfway, until the shutdown
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(2 * time.Millisecond):
					tc.Progress(ctx, 0.5)
				}
			}
		}
		tc.Progress(ctx, 1)
		return nil
	}
	r, run := newLeaseRunner(t, store, events, time.Minute,
		agents.Task{Name: "first", Run: first}, agents.Task{Name: "second", Run: second})

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Execute(ctx, run.ID) }()
	<-reached
	require.Eventually(t, func() bool {
		got, err := store.Get(t.Context(), run.ID)
		require.NoError(t, err)
		return got.Progress >= 0.75
	}, 10*time.Second, 5*time.Millisecond, "the second task's progress is saved")
	cancel() // a shutdown
	require.Error(t, <-done)
	before, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	require.Equal(t, agents.RunRunning, before.Status)

	blockSecond.Store(false)
	require.NoError(t, r.Execute(t.Context(), run.ID))
	after, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunSucceeded, after.Status)

	resumed, last := false, 0.0
	for _, e := range events.Events(run.ID) {
		switch d := e.Data.(type) {
		case agents.RunEventData:
			if e.Name == agents.EventRunStarted && d.Resumed {
				resumed = true
				assert.GreaterOrEqual(t, d.Progress, before.Progress)
			}
		case agents.ProgressData:
			assert.GreaterOrEqual(t, d.Progress, last, "progress never goes back (event %d)", e.Seq)
			if resumed {
				assert.GreaterOrEqual(t, d.Progress, before.Progress, "event %d after the resume", e.Seq)
			}
			last = d.Progress
		}
	}
	assert.True(t, resumed)
}
