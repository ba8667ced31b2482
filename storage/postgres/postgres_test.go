package postgres

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage"
)

func testDSN(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("KPBOT_TEST_POSTGRES_DSN")
	if dsn == "" {
		t.Skip("KPBOT_TEST_POSTGRES_DSN is unset: skipping PostgreSQL tests")
	}
	return dsn
}

func TestOpenSharesOnePool(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, testDSN(t), storage.PoolConfig{MaxOpenConns: 3})
	require.NoError(t, err)
	t.Cleanup(db.Close)

	assert.EqualValues(t, 3, db.Pool.Config().MaxConns)
	assert.Equal(t, pgx.QueryExecModeSimpleProtocol, db.Pool.Config().ConnConfig.DefaultQueryExecMode)

	var n int
	require.NoError(t, db.Bun.QueryRowContext(ctx, "SELECT ?::int + 1", 41).Scan(&n))
	assert.Equal(t, 42, n)
	// bun's connections come from the pool, so it counts them.
	conn, err := db.Bun.Conn(ctx)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, db.Pool.Stat().AcquiredConns(), int32(1))
	require.NoError(t, conn.Close())
}

func TestOpenHonoursExecModeAndRuntimeParams(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := testDSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	dsn += sep + "default_query_exec_mode=exec&application_name=kpbot-open-test"
	db, err := Open(ctx, dsn, storage.PoolConfig{})
	require.NoError(t, err)
	t.Cleanup(db.Close)

	assert.Equal(t, pgx.QueryExecModeExec, db.Pool.Config().ConnConfig.DefaultQueryExecMode)
	var name string
	require.NoError(t, db.Bun.QueryRowContext(ctx, "SHOW application_name").Scan(&name))
	assert.Equal(t, "kpbot-open-test", name)
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Port 1 on loopback refuses connections at once.
	_, err := Open(ctx, "postgres://kpbot@127.0.0.1:1/kpbot?sslmode=disable&connect_timeout=2", storage.PoolConfig{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "postgres: cannot reach 127.0.0.1:1/kpbot as kpbot")
}

func TestOpenBadDSN(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), "postgres://%zz", storage.PoolConfig{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "postgres: parse DSN")
}
