package bunstore_test

import (
	"testing"

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
