package bustest

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/postgres"
	"github.com/kpbot/kpbot/transport/eventbus"
)

// OpenPostgres opens n pools on one fresh PostgreSQL schema, as n
// instances would; it skips when KPBOT_TEST_POSTGRES_DSN is unset.
func OpenPostgres(t testing.TB, n int) []*postgres.DB {
	t.Helper()
	dsn := dbtest.PostgresDSN(t)
	dbs := make([]*postgres.DB, n)
	for i := range dbs {
		db, err := postgres.Open(context.Background(), dsn, storage.PoolConfig{MaxOpenConns: 6, MaxIdleConns: 2})
		require.NoError(t, err)
		t.Cleanup(db.Close)
		dbs[i] = db
	}
	return dbs
}

// PostgresChannel returns a fresh notification channel name: channels
// are global to the database, so each test needs its own.
func PostgresChannel() string { return "kpbot_test_" + strings.ToLower(rand.Text()) }

// PostgresBus returns a PostgreSQL bus on db's pool and channel, closed
// when the test ends (before the pool).
func PostgresBus(t testing.TB, db *postgres.DB, channel string, opts ...eventbus.Option) *eventbus.Postgres {
	t.Helper()
	b, err := eventbus.NewPostgres(db.Pool, channel, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() })
	return b
}
