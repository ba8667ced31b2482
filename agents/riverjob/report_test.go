package riverjob_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/report"
	"github.com/kpbot/kpbot/storage/bunstore"
)

// recordingReporter keeps the events reported to it.
type recordingReporter struct {
	mu     sync.Mutex
	events []report.Event
}

func (r *recordingReporter) Report(_ context.Context, ev report.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recordingReporter) all() []report.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]report.Event(nil), r.events...)
}

// flakyLeases fails the first lease a run's execution asks for and panics
// on the second.
type flakyLeases struct {
	agents.RunStore
	calls atomic.Int32
}

func (f *flakyLeases) AcquireLease(ctx context.Context, id, holder string, ttl time.Duration) error {
	switch f.calls.Add(1) {
	case 1:
		return errors.New("lease store down")
	case 2:
		panic("lease store exploded")
	}
	return f.RunStore.AcquireLease(ctx, id, holder, ttl)
}

func TestFailedAndDiscardedJobsAreReported(t *testing.T) {
	t.Parallel()
	corpus := webtest.NewCorpus(t)
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := t.Context()
		f, err := crewtest.Outreach(nil, offlineLLM(t), crewtest.NewSink())
		require.NoError(t, err)
		crew, err := agents.OutreachCrew(f)
		require.NoError(t, err)
		store := &flakyLeases{RunStore: bunstore.NewRuns(b.db)}
		runner, err := agents.NewRunner(crew, store, agents.NewRecorder(), agents.RunnerConfig{})
		require.NoError(t, err)
		rec := &recordingReporter{}
		cfg := fastConfig()
		cfg.MaxAttempts = 2
		cfg.Reporter = rec
		q := b.newQueue(t, runner, cfg)
		require.NoError(t, q.Start(ctx))
		t.Cleanup(func() { _ = q.Stop(context.Background()) })

		brief := newCampaign(t, b.db, corpus)
		run, err := q.Submit(ctx, brief)
		require.NoError(t, err)
		failed := waitStatus(t, store, run.ID, agents.RunFailed, 30*time.Second)
		assert.Contains(t, failed.Error, "gave up after 2 attempts")

		evs := rec.all()
		require.Len(t, evs, 2, "one report per failed attempt")
		assert.Equal(t, "run job failed; retrying", evs[0].Message)
		assert.ErrorContains(t, evs[0].Err, "lease store down")
		assert.Equal(t, "run job discarded", evs[1].Message)
		assert.Equal(t, "lease store exploded", evs[1].Panic)
		assert.Contains(t, string(evs[1].Stack), "AcquireLease", "a panic's stack is where it happened")
		for _, ev := range evs {
			assert.Equal(t, run.ID, ev.RunID)
			assert.Equal(t, brief.OwnerID, ev.UserID)
			assert.Len(t, ev.ErrorID, 32)
		}
	})
}
