package events_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

func TestRetention(t *testing.T) {
	ctx := t.Context()
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	log := bunstore.NewEvents(dbtest.SQLite(t), bunstore.WithEventClock(clock))
	for range 5 {
		_, err := log.Append(ctx, events.RunProgress, map[string]int{"n": 1}, "run:old")
		require.NoError(t, err)
	}
	now = now.Add(48 * time.Hour)
	for range 5 {
		_, err := log.Append(ctx, events.RunProgress, map[string]int{"n": 2}, "run:new")
		require.NoError(t, err)
	}

	r := events.Retention{MaxAge: 24 * time.Hour, KeepPerTopic: 3, Now: clock}
	n, err := r.PruneOnce(ctx, log)
	require.NoError(t, err)
	assert.Equal(t, 7, n, "5 too old, 2 beyond the newest 3")
	old, err := log.After(ctx, "run:old", 0, 0)
	require.NoError(t, err)
	assert.Empty(t, old)
	kept, err := log.After(ctx, "run:new", 0, 0)
	require.NoError(t, err)
	require.Len(t, kept, 3)
	assert.Equal(t, int64(3), kept[0].Seq, "the newest events stay, with their seqs")

	n, err = events.Retention{}.PruneOnce(ctx, log)
	require.NoError(t, err)
	assert.Zero(t, n, "no limits: nothing pruned")

	// Run prunes at once and stops with its context.
	_, err = log.Append(ctx, events.RunProgress, nil, "run:new")
	require.NoError(t, err)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); r.Run(runCtx, log) }()
	assert.Eventually(t, func() bool {
		evs, err := log.After(ctx, "run:new", 0, 0)
		return err == nil && len(evs) == 3 && evs[0].Seq == 4
	}, 5*time.Second, 10*time.Millisecond)
	cancel()
	<-done
}
