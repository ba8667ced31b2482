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

// feedCrew is produce (feeding) → consume (checkpointed) → after, which
// reads consume's output.
func feedCrew(produce, consume agents.TaskFunc) agents.Crew {
	return agents.Crew{Name: "feed", Tasks: []agents.Task{
		{Name: "produce", Feeds: true, Run: produce},
		{Name: "consume", Checkpoint: true, Run: consume},
		{Name: "after", Run: func(ctx context.Context, tc *agents.TaskContext) error {
			sum, ok, err := agents.Input[int](tc, "consume")
			if err != nil || !ok {
				return errors.New("no input from consume")
			}
			agents.SetOutput(tc, sum)
			return nil
		}},
	}}
}

// sendN sends 1..n and counts how many went out.
func sendN(n int, sent *atomic.Int64) agents.TaskFunc {
	return func(ctx context.Context, tc *agents.TaskContext) error {
		for i := 1; i <= n; i++ {
			if err := agents.Send(ctx, tc, i); err != nil {
				return err
			}
			sent.Add(1)
		}
		return nil
	}
}

// sumAll sums what produce sends.
func sumAll(ctx context.Context, tc *agents.TaskContext) error {
	items, ok := agents.Receive[int](tc, "produce")
	if !ok {
		return errors.New("not fed")
	}
	sum := 0
	for v := range items {
		sum += v
	}
	agents.SetOutput(tc, sum)
	return nil
}

func newFeedRun(t *testing.T, crew agents.Crew) (*agents.Runner, *agents.Run) {
	t.Helper()
	r, err := agents.NewRunner(crew, crewtest.NewRunStore(), agents.NewRecorder(), agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := r.Create(t.Context(), agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"k"}})
	require.NoError(t, err)
	return r, run
}

// TestFeedingTaskStreams: the fed task reads items while the feeding task
// is still sending them, and the pair succeeds with both steps recorded.
func TestFeedingTaskStreams(t *testing.T) {
	t.Parallel()
	var sent atomic.Int64
	var sentAtFirst atomic.Int64
	sentAtFirst.Store(-1)
	crew := feedCrew(sendN(1000, &sent), func(ctx context.Context, tc *agents.TaskContext) error {
		items, ok := agents.Receive[int](tc, "produce")
		if !ok {
			return errors.New("not fed")
		}
		sum := 0
		for v := range items {
			sentAtFirst.CompareAndSwap(-1, sent.Load())
			sum += v
		}
		agents.SetOutput(tc, sum)
		return nil
	})
	r, run := newFeedRun(t, crew)
	require.NoError(t, r.Execute(t.Context(), run.ID))
	got, err := r.Store().Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunSucceeded, got.Status)
	assert.Less(t, sentAtFirst.Load(), int64(1000), "the first item was read before the last was sent")
	assert.JSONEq(t, "500500", string(got.Step("consume").Output))
	for _, name := range []string{"produce", "consume", "after"} {
		assert.Equal(t, agents.StepSucceeded, got.Step(name).Status, name)
	}
	assert.Nil(t, got.Step("produce").Output, "a feeding task keeps no checkpoint")
	assert.False(t, got.Step("produce").FinishedAt.After(*got.Step("consume").FinishedAt))
}

// TestFeedingTaskFails: the run fails on the feeding task's step with its
// error, even though the task it fed got to the end of what it was sent.
func TestFeedingTaskFails(t *testing.T) {
	t.Parallel()
	boom := errors.New("every seed failed")
	crew := feedCrew(func(ctx context.Context, tc *agents.TaskContext) error {
		for i := range 3 {
			if err := agents.Send(ctx, tc, i); err != nil {
				return err
			}
		}
		return boom
	}, sumAll)
	r, run := newFeedRun(t, crew)
	err := r.Execute(t.Context(), run.ID)
	require.ErrorIs(t, err, agents.ErrRunFailed)
	assert.ErrorContains(t, err, "every seed failed")
	got, err := r.Store().Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunFailed, got.Status)
	assert.Equal(t, agents.StepFailed, got.Step("produce").Status)
	assert.Contains(t, got.Step("produce").Error, "every seed failed")
	assert.Equal(t, agents.StepFailed, got.Step("consume").Status)
	assert.Contains(t, got.Step("consume").Error, "stopped")
	assert.Nil(t, got.Step("consume").Output, "no checkpoint of a half-fed task")
	assert.Equal(t, agents.StepPending, got.Step("after").Status)
}

// TestFedTaskFailsOrStopsEarly: when the fed task fails, or returns before
// reading everything, the feeding task is stopped (its Send fails) and
// the run ends as the fed task did.
func TestFedTaskFailsOrStopsEarly(t *testing.T) {
	t.Parallel()
	readFive := func(fail bool) agents.TaskFunc {
		return func(ctx context.Context, tc *agents.TaskContext) error {
			items, _ := agents.Receive[int](tc, "produce")
			n := 0
			for range items {
				if n++; n == 5 {
					break
				}
			}
			if fail {
				return errors.New("reader broke")
			}
			agents.SetOutput(tc, n)
			return nil
		}
	}
	for _, fail := range []bool{true, false} {
		var sendErr atomic.Value
		produce := func(ctx context.Context, tc *agents.TaskContext) error {
			for i := 0; ; i++ {
				if err := agents.Send(ctx, tc, i); err != nil {
					sendErr.Store(err)
					return err
				}
			}
		}
		r, run := newFeedRun(t, feedCrew(produce, readFive(fail)))
		err := r.Execute(t.Context(), run.ID)
		got, gerr := r.Store().Get(t.Context(), run.ID)
		require.NoError(t, gerr)
		assert.NotNil(t, sendErr.Load(), "the feeding task was stopped")
		if fail {
			require.ErrorIs(t, err, agents.ErrRunFailed)
			assert.Equal(t, agents.StepFailed, got.Step("consume").Status)
			assert.Contains(t, got.Step("consume").Error, "reader broke")
			continue
		}
		require.NoError(t, err)
		assert.Equal(t, agents.RunSucceeded, got.Status)
		assert.Equal(t, agents.StepSucceeded, got.Step("produce").Status)
		assert.JSONEq(t, "5", string(got.Step("consume").Output))
	}
}

// TestFeedingPairResumes: an execution interrupted while the pair runs
// leaves both steps pending; the next execution runs the pair again.
func TestFeedingPairResumes(t *testing.T) {
	t.Parallel()
	var first atomic.Bool
	first.Store(true)
	reached := make(chan struct{})
	var sent atomic.Int64
	crew := feedCrew(func(ctx context.Context, tc *agents.TaskContext) error {
		if first.Swap(false) {
			close(reached)
			<-ctx.Done() // interrupted mid-feed
			return ctx.Err()
		}
		return sendN(10, &sent)(ctx, tc)
	}, sumAll)
	r, run := newFeedRun(t, crew)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- r.Execute(ctx, run.ID) }()
	<-reached
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(5 * time.Second):
		t.Fatal("the interrupted execution did not return")
	}
	mid, err := r.Store().Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunRunning, mid.Status)
	assert.Equal(t, agents.StepPending, mid.Step("produce").Status)
	assert.Equal(t, agents.StepPending, mid.Step("consume").Status)

	require.NoError(t, r.Execute(t.Context(), run.ID))
	got, err := r.Store().Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunSucceeded, got.Status)
	assert.JSONEq(t, "55", string(got.Step("consume").Output))
	assert.Equal(t, agents.StepSucceeded, got.Step("after").Status)
}

func TestFeedsMisuse(t *testing.T) {
	t.Parallel()
	noop := func(context.Context, *agents.TaskContext) error { return nil }
	for name, tasks := range map[string][]agents.Task{
		"last":       {{Name: "a", Run: noop}, {Name: "b", Feeds: true, Run: noop}},
		"checkpoint": {{Name: "a", Feeds: true, Checkpoint: true, Run: noop}, {Name: "b", Run: noop}},
		"chain":      {{Name: "a", Feeds: true, Run: noop}, {Name: "b", Feeds: true, Run: noop}, {Name: "c", Run: noop}},
	} {
		_, err := agents.NewRunner(agents.Crew{Name: name, Tasks: tasks}, crewtest.NewRunStore(), agents.NewRecorder(), agents.RunnerConfig{})
		assert.Error(t, err, name)
	}

	var sendErr error
	var fedOK bool
	crew := agents.Crew{Name: "plain", Tasks: []agents.Task{
		{Name: "a", Run: func(ctx context.Context, tc *agents.TaskContext) error {
			sendErr = agents.Send(ctx, tc, 1)
			return nil
		}},
		{Name: "b", Run: func(ctx context.Context, tc *agents.TaskContext) error {
			_, fedOK = agents.Receive[int](tc, "a")
			return nil
		}},
	}}
	r, run := newFeedRun(t, crew)
	require.NoError(t, r.Execute(t.Context(), run.ID))
	assert.ErrorContains(t, sendErr, "feeds no task")
	assert.False(t, fedOK, "a task that does not feed gives nothing to Receive")
}
