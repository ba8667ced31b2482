package dbtest

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
)

func TestSQLiteIsMigratedAndPrivate(t *testing.T) {
	t.Parallel()
	a, b := SQLite(t), SQLite(t)
	ctx := context.Background()
	_, err := a.ExecContext(ctx, "INSERT INTO kpbot_users (id, email, role, password_hash, created_at, updated_at) VALUES ('1', 'a@x.io', 'user', X'00', '2026-01-01 00:00:00+00:00', '2026-01-01 00:00:00+00:00')")
	require.NoError(t, err, "the schema is migrated")
	var n int
	require.NoError(t, b.QueryRowContext(ctx, "SELECT count(*) FROM kpbot_users").Scan(&n))
	assert.Zero(t, n, "each call is a database of its own")
}

func TestPostgresSchemaIsPrivateAndDropped(t *testing.T) {
	t.Parallel()
	var schema string
	t.Run("use", func(t *testing.T) {
		db := Postgres(t)
		ctx := context.Background()
		require.NoError(t, db.Bun.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema))
		assert.Regexp(t, `^kpbot_test_[0-9a-f]{16}$`, schema)
		var n int
		require.NoError(t, db.Bun.QueryRowContext(ctx, "SELECT count(*) FROM kpbot_users").Scan(&n))
		assert.Zero(t, n)
	})
	if schema == "" {
		t.Skip("PostgreSQL subtest skipped")
	}
	conn, err := pgx.Connect(context.Background(), os.Getenv(PostgresEnv))
	require.NoError(t, err)
	defer func() { _ = conn.Close(context.Background()) }()
	var exists bool
	require.NoError(t, conn.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = $1)", schema).Scan(&exists))
	assert.False(t, exists, "the schema is dropped when the test ends")
}

func TestEachRunsBoth(t *testing.T) {
	t.Parallel()
	var ran []string
	Each(t, func(t *testing.T, db *bun.DB) {
		ran = append(ran, db.Dialect().Name().String())
	})
	assert.Contains(t, ran, "sqlite")
	if os.Getenv(PostgresEnv) != "" {
		assert.Contains(t, ran, "pg")
	}
}

func TestWithSearchPath(t *testing.T) {
	t.Parallel()
	got, err := withSearchPath("postgres://u@h:5432/db?sslmode=disable", "s1")
	require.NoError(t, err)
	assert.Equal(t, "postgres://u@h:5432/db?search_path=s1&sslmode=disable", got)
	got, err = withSearchPath("host=h dbname=db", "s2")
	require.NoError(t, err)
	assert.Equal(t, "host=h dbname=db search_path=s2", got)
}
