// Package dbtest gives tests real, migrated, isolated databases: a fresh
// SQLite file per test, and on PostgreSQL (when KPBOT_TEST_POSTGRES_DSN is
// set) a fresh schema per test, so tests can run in parallel on one server.
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/postgres"
	"github.com/kpbot/kpbot/storage/sqlite"
)

// PostgresEnv names the variable holding the DSN of a PostgreSQL database
// tests may create schemas in.
const PostgresEnv = "KPBOT_TEST_POSTGRES_DSN"

// pool sizes test databases small, since many tests hold one at a time
// against a server with a connection limit.
func pool() storage.PoolConfig { return storage.PoolConfig{MaxOpenConns: 8, MaxIdleConns: 2} }

// SQLite returns a migrated SQLite database in a fresh file under
// t.TempDir(), closed when the test ends.
func SQLite(t testing.TB) *bun.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, "file:"+filepath.Join(t.TempDir(), "kpbot.db"), pool())
	if err != nil {
		t.Fatalf("dbtest: open SQLite: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if err := bunstore.Migrate(ctx, db); err != nil {
		t.Fatalf("dbtest: migrate SQLite: %v", err)
	}
	return db
}

// Postgres returns a migrated PostgreSQL database whose connections use a
// fresh schema, dropped with everything in it when the test ends. It skips
// the test when KPBOT_TEST_POSTGRES_DSN is unset.
func Postgres(t testing.TB) *postgres.DB {
	t.Helper()
	ctx := context.Background()
	db, err := postgres.Open(ctx, PostgresDSN(t), pool())
	if err != nil {
		t.Fatalf("dbtest: open PostgreSQL: %v", err)
	}
	t.Cleanup(db.Close) // runs before PostgresDSN's schema drop
	if err := bunstore.Migrate(ctx, db.Bun); err != nil {
		t.Fatalf("dbtest: migrate PostgreSQL: %v", err)
	}
	return db
}

// PostgresDSN creates a fresh, empty schema and returns a DSN whose
// connections use it (search_path), for tests that open their own pools —
// two instances of a server on one database, say. The schema is dropped
// with CASCADE when the test ends. It skips the test when
// KPBOT_TEST_POSTGRES_DSN is unset.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skipf("dbtest: %s is unset; skipping PostgreSQL test (set it to e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)", PostgresEnv)
	}
	schema := "kpbot_test_" + randomHex(t, 8)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("dbtest: connect to %s: %v", PostgresEnv, err)
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("dbtest: create schema %s: %v", schema, err)
	}
	t.Cleanup(func() { dropSchema(t, base, schema) })
	dsn, err := withSearchPath(base, schema)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", PostgresEnv, err)
	}
	return dsn
}

// Each runs fn as the subtests "sqlite" and "postgres", each with its own
// fresh migrated database; "postgres" skips when KPBOT_TEST_POSTGRES_DSN is
// unset.
func Each(t *testing.T, fn func(t *testing.T, db *bun.DB)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, Postgres(t).Bun) })
}

func dropSchema(t testing.TB, base, schema string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Errorf("dbtest: drop schema %s: %v", schema, err)
		return
	}
	defer func() { _ = conn.Close(ctx) }()
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
		t.Errorf("dbtest: drop schema %s: %v", schema, err)
	}
}

// withSearchPath sets the search_path runtime parameter of a URL or
// key=value DSN.
func withSearchPath(dsn, schema string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse DSN: %w", err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	return dsn + " search_path=" + schema, nil
}

func randomHex(t testing.TB, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("dbtest: random schema name: %v", err)
	}
	return hex.EncodeToString(b)
}
