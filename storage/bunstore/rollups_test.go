package bunstore_test

import (
	"testing"

	"github.com/kpbot/kpbot/analytics"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestRollups runs the analytics store suite on SQLite and PostgreSQL,
// each scenario on a fresh database.
func TestRollups(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		storetest.TestRollups(t, func(t *testing.T) analytics.Store { return bunstore.NewRollups(dbtest.SQLite(t)) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		storetest.TestRollups(t, func(t *testing.T) analytics.Store { return bunstore.NewRollups(dbtest.Postgres(t).Bun) })
	})
}
