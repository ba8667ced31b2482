package httpapi

import (
	"testing"

	"github.com/kpbot/kpbot/storage/dbtest"
)

// envFactory builds a test server on a fresh database of the subtest's
// kind; each call gets its own database.
type envFactory func(opts ...testOpt) *testEnv

// eachDB runs fn on SQLite and on PostgreSQL (skipped, saying so, when
// KPBOT_TEST_POSTGRES_DSN is unset).
func eachDB(t *testing.T, fn func(t *testing.T, newEnv envFactory)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, func(opts ...testOpt) *testEnv { return newTestServer(t, dbtest.SQLite(t), opts...) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		fn(t, func(opts ...testOpt) *testEnv { return newTestServer(t, dbtest.Postgres(t).Bun, opts...) })
	})
}
