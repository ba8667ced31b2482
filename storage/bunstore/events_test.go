package bunstore_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestEventLog runs the event log suite on SQLite and PostgreSQL, all
// scenarios of one database sharing it.
func TestEventLog(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		storetest.TestEventLog(t, func(*testing.T) events.Log { return bunstore.NewEvents(db) })
	})
}

// TestEventLogSmallPruneBatches runs the suite again with Prune deleting
// two events a statement, so every prune spans several batches.
func TestEventLogSmallPruneBatches(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		storetest.TestEventLog(t, func(*testing.T) events.Log {
			log := bunstore.NewEvents(db)
			bunstore.SetPruneBatch(log, 2)
			return log
		})
	})
}

// TestEventLogCount: the gauge's count is exact before the table is first
// analyzed and, on PostgreSQL, the planner's estimate after (exact for a
// small table).
func TestEventLogCount(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := t.Context()
		log := bunstore.NewEvents(db)
		for i := range 3 {
			_, err := log.Append(ctx, events.RunProgress, map[string]int{"i": i}, "run:count-"+t.Name())
			require.NoError(t, err)
		}
		n, err := log.Count(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n, "before any analyze")
		_, err = db.ExecContext(ctx, "ANALYZE kpbot_events")
		require.NoError(t, err)
		n, err = log.Count(ctx)
		require.NoError(t, err)
		assert.Equal(t, 3, n, "after analyze")
	})
}
