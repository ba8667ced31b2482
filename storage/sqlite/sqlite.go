// Package sqlite opens kpbot's embedded SQLite database through the pure-Go
// modernc.org/sqlite driver and wraps it in bun.
package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/sqlitedialect"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/kpbot/kpbot/storage"
)

// Open opens the SQLite database named by dsn (file:kpbot.db,
// file:/abs/path.db?x=y, sqlite:path.db, sqlite://path.db or :memory:),
// with WAL, foreign keys, a 10 s busy timeout, synchronous=NORMAL and
// immediate write transactions unless the DSN says otherwise, sizes its
// pool from cfg and pings it. An in-memory database is held on one
// connection that is never recycled, since each connection would see its
// own empty database.
func Open(ctx context.Context, dsn string, cfg storage.PoolConfig) (*bun.DB, error) {
	uri, memory, err := driverDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: parse DSN %q: %w", dsn, err)
	}
	sqldb, err := sql.Open("sqlite", uri)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", dsn, err)
	}
	if memory {
		sqldb.SetMaxOpenConns(1)
		sqldb.SetMaxIdleConns(1)
		sqldb.SetConnMaxLifetime(0)
		sqldb.SetConnMaxIdleTime(0)
	} else {
		cfg = cfg.WithDefaults()
		sqldb.SetMaxOpenConns(cfg.MaxOpenConns)
		sqldb.SetMaxIdleConns(cfg.MaxIdleConns)
		sqldb.SetConnMaxLifetime(cfg.ConnMaxLifetime)
		sqldb.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
	}
	if err := sqldb.PingContext(ctx); err != nil {
		_ = sqldb.Close()
		return nil, fmt.Errorf("sqlite: connect to %q: %w", dsn, err)
	}
	return bun.NewDB(sqldb, sqlitedialect.New()), nil
}
