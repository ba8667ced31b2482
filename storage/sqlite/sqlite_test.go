package sqlite

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/storage"
)

func TestDriverDSN(t *testing.T) {
	t.Parallel()
	const defaults = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	tests := []struct {
		in, want string
		memory   bool
	}{
		{"file:kpbot.db", "file:kpbot.db?" + defaults, false},
		{"file:/abs/path.db?x=y", "file:/abs/path.db?x=y&" + defaults, false},
		{"sqlite:path.db", "file:path.db?" + defaults, false},
		{"sqlite://path.db", "file:path.db?" + defaults, false},
		{"sqlite:///abs/path.db", "file:/abs/path.db?" + defaults, false},
		{"data/kpbot.db", "file:data/kpbot.db?" + defaults, false},
		{"100%#.db", "file:100%25%23.db?" + defaults, false},
		{":memory:", "file::memory:?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate", true},
		{"file:mem?mode=memory&cache=shared", "file:mem?mode=memory&cache=shared&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate", true},
		{"file:x.db?_pragma=journal_mode(DELETE)&_txlock=deferred&_fk=0",
			"file:x.db?_pragma=journal_mode(DELETE)&_txlock=deferred&_fk=0&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)", false},
	}
	for _, tt := range tests {
		got, memory, err := driverDSN(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
		assert.Equal(t, tt.memory, memory, tt.in)
	}
	for _, bad := range []string{"", "sqlite:", "sqlite://", "file:x.db?a=%zz"} {
		_, _, err := driverDSN(bad)
		assert.Error(t, err, bad)
	}
}

func pragma(t *testing.T, c bun.IConn, name string) string {
	t.Helper()
	var v string
	require.NoError(t, c.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v))
	return v
}

func TestOpenAppliesPragmasOnEveryConnection(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "kpbot.db"), storage.PoolConfig{MaxOpenConns: 4})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	assert.Equal(t, 4, db.Stats().MaxOpenConnections)
	// Hold several connections at once so each one is a new connection.
	conns := make([]bun.Conn, 3)
	for i := range conns {
		conns[i], err = db.Conn(ctx)
		require.NoError(t, err)
	}
	for _, c := range conns {
		assert.Equal(t, "wal", pragma(t, c, "journal_mode"))
		assert.Equal(t, "1", pragma(t, c, "foreign_keys"))
		assert.Equal(t, "10000", pragma(t, c, "busy_timeout"))
		assert.Equal(t, "1", pragma(t, c, "synchronous")) // NORMAL
		require.NoError(t, c.Close())
	}
}

func TestOpenEnforcesForeignKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, "file:"+filepath.Join(t.TempDir(), "fk.db"), storage.PoolConfig{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	_, err = db.ExecContext(ctx, "CREATE TABLE p (id INTEGER PRIMARY KEY)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "CREATE TABLE c (id INTEGER PRIMARY KEY, p INTEGER NOT NULL REFERENCES p(id) ON DELETE CASCADE)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO c (id, p) VALUES (1, 42)")
	require.Error(t, err, "a row pointing at a missing parent must be refused")

	_, err = db.ExecContext(ctx, "INSERT INTO p (id) VALUES (1)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO c (id, p) VALUES (1, 1)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "DELETE FROM p WHERE id = 1")
	require.NoError(t, err)
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT count(*) FROM c").Scan(&n))
	assert.Zero(t, n, "ON DELETE CASCADE must remove the child")
}

func TestConcurrentWriteTransactionsDoNotDeadlock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "tx.db"), storage.PoolConfig{MaxOpenConns: 8})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.ExecContext(ctx, "CREATE TABLE counter (n INTEGER NOT NULL)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO counter (n) VALUES (0)")
	require.NoError(t, err)

	// Read-then-write transactions: with deferred BEGIN two of them would
	// both hold read locks and fail upgrading (SQLITE_BUSY); immediate BEGIN
	// queues them instead.
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			errs <- db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				var n int
				if err := tx.QueryRowContext(ctx, "SELECT n FROM counter").Scan(&n); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, "UPDATE counter SET n = ?", n+1)
				return err
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	var n int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT n FROM counter").Scan(&n))
	assert.Equal(t, workers, n)
}

func TestOpenMemoryKeepsOneDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, ":memory:", storage.PoolConfig{MaxOpenConns: 5})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })

	assert.Equal(t, 1, db.Stats().MaxOpenConnections)
	_, err = db.ExecContext(ctx, "CREATE TABLE t (x INTEGER)")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO t (x) VALUES (7)")
	require.NoError(t, err)
	var x int
	require.NoError(t, db.QueryRowContext(ctx, "SELECT x FROM t").Scan(&x))
	assert.Equal(t, 7, x)
	c, err := db.Conn(ctx)
	require.NoError(t, err)
	assert.Equal(t, "1", pragma(t, c, "foreign_keys"))
	require.NoError(t, c.Close())
}

func TestOpenBadPath(t *testing.T) {
	t.Parallel()
	_, err := Open(context.Background(), "file:"+filepath.Join(t.TempDir(), "missing-dir", "x.db"), storage.PoolConfig{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "sqlite: connect")
}

func TestFilePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, path string
		memory   bool
	}{
		{"file:kpbot.db", "kpbot.db", false},
		{"file:/var/lib/k.db?_pragma=busy_timeout(1)", "/var/lib/k.db", false},
		{"sqlite://data/k.db", "data/k.db", false},
		{"sqlite:k.db", "k.db", false},
		{"plain.db", "plain.db", false},
		{":memory:", ":memory:", true},
		{"file:shared?mode=memory&cache=shared", "shared", true},
	}
	for _, tt := range tests {
		path, memory, err := FilePath(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.path, path, tt.in)
		assert.Equal(t, tt.memory, memory, tt.in)
	}
	_, _, err := FilePath("file:")
	assert.Error(t, err)
}
