package bunstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/postgres"
	"github.com/kpbot/kpbot/storage/sqlite"
)

var kpbotTables = []string{"kpbot_migrations", "kpbot_migration_locks", "kpbot_users", "kpbot_sessions", "kpbot_refresh_tokens"}

func tableExists(t *testing.T, db *bun.DB, name string) bool {
	t.Helper()
	ctx := context.Background()
	var n int
	var err error
	if db.Dialect().Name().String() == "pg" {
		err = db.QueryRowContext(ctx,
			"SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = ?", name).Scan(&n)
	} else {
		err = db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", name).Scan(&n)
	}
	require.NoError(t, err)
	return n == 1
}

func TestMigrateIsIdempotentAndRecorded(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		for _, table := range kpbotTables {
			assert.True(t, tableExists(t, db, table), table)
		}
		require.NoError(t, bunstore.Migrate(ctx, db), "a second run must be a no-op")

		m, err := bunstore.NewMigrator(db)
		require.NoError(t, err)
		ms, err := m.MigrationsWithStatus(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, ms)
		assert.Empty(t, ms.Unapplied(), "bun/migrate must see every migration applied")
		for _, mg := range ms {
			assert.EqualValues(t, 1, mg.GroupID, "both runs together applied one group: %s", mg.Name)
		}
		applied, err := m.AppliedMigrations(ctx)
		require.NoError(t, err)
		assert.Len(t, applied, len(ms), "no migration recorded twice")

		// Rolling back through bun/migrate drops the tables and a new
		// Migrate brings them back.
		_, err = m.Rollback(ctx)
		require.NoError(t, err)
		assert.False(t, tableExists(t, db, "kpbot_users"))
		require.NoError(t, bunstore.Migrate(ctx, db))
		assert.True(t, tableExists(t, db, "kpbot_users"))
	})
}

// migrateConcurrently opens n handles on one fresh database, as n
// instances starting together would, and migrates through all of them at
// once. With initialized, the bookkeeping tables exist beforehand, as they
// do when an upgrade brings a new migration: then every migrator reads
// before it writes.
func migrateConcurrently(t *testing.T, n int, initialized bool, open func() *bun.DB) {
	t.Helper()
	dbs := make([]*bun.DB, n)
	for i := range dbs {
		dbs[i] = open()
	}
	ctx := context.Background()
	if initialized {
		m, err := bunstore.NewMigrator(dbs[0])
		require.NoError(t, err)
		require.NoError(t, m.Init(ctx))
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i, db := range dbs {
		wg.Go(func() {
			<-start
			errs[i] = bunstore.Migrate(ctx, db)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "migrator %d", i)
	}
	m, err := bunstore.NewMigrator(dbs[0])
	require.NoError(t, err)
	applied, err := m.AppliedMigrations(ctx)
	require.NoError(t, err)
	ms, err := m.MigrationsWithStatus(ctx)
	require.NoError(t, err)
	assert.Len(t, applied, len(ms), "each migration is recorded exactly once")
	for _, table := range kpbotTables {
		assert.True(t, tableExists(t, dbs[0], table), table)
	}
}

func TestMigrateConcurrentSQLite(t *testing.T) {
	t.Parallel()
	for _, initialized := range []bool{false, true} {
		t.Run(fmt.Sprintf("initialized=%v", initialized), func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "race.db")
			migrateConcurrently(t, 4, initialized, func() *bun.DB {
				db, err := sqlite.Open(context.Background(), "file:"+path, storage.PoolConfig{MaxOpenConns: 4})
				require.NoError(t, err)
				t.Cleanup(func() { _ = db.Close() })
				return db
			})
		})
	}
}

func TestMigrateConcurrentPostgres(t *testing.T) {
	t.Parallel()
	for _, initialized := range []bool{false, true} {
		t.Run(fmt.Sprintf("initialized=%v", initialized), func(t *testing.T) {
			t.Parallel()
			dsn := dbtest.PostgresDSN(t)
			migrateConcurrently(t, 4, initialized, func() *bun.DB {
				db, err := postgres.Open(context.Background(), dsn, storage.PoolConfig{MaxOpenConns: 4})
				require.NoError(t, err)
				t.Cleanup(db.Close)
				return db.Bun
			})
		})
	}
}
