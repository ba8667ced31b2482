// Package postgres opens kpbot's PostgreSQL database: one pgx pool that bun,
// the job queue and LISTEN/NOTIFY all share.
package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/kpbot/kpbot/storage"
)

// DB is an open PostgreSQL database: bun for the repositories and the pgx
// pool underneath it, for River and LISTEN/NOTIFY.
type DB struct {
	// Bun runs queries through connections borrowed from Pool.
	Bun *bun.DB
	// Pool is the one connection pool; share it, don't open another.
	Pool *pgxpool.Pool
}

// Open connects to the PostgreSQL database at dsn (a postgres:// URL or a
// key=value string; pgx runtime parameters such as search_path are passed
// to the server), sizes the pool from cfg and pings the server.
//
// Unless the DSN sets default_query_exec_mode, the pool uses the simple
// query protocol, as bun recommends for pgx: bun inlines every argument
// into its SQL, so each query text is new and preparing it would only cost
// a round trip and fill the statement cache.
func Open(ctx context.Context, dsn string, cfg storage.PoolConfig) (*DB, error) {
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse DSN: %w", err)
	}
	if !strings.Contains(dsn, "default_query_exec_mode") {
		pcfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeSimpleProtocol
	}
	cfg = cfg.WithDefaults()
	pcfg.MaxConns = int32(cfg.MaxOpenConns)
	pcfg.MaxConnLifetime = cfg.ConnMaxLifetime
	pcfg.MaxConnIdleTime = cfg.ConnMaxIdleTime

	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s:%d/%s as %s: %w",
			pcfg.ConnConfig.Host, pcfg.ConnConfig.Port, pcfg.ConnConfig.Database, pcfg.ConnConfig.User, err)
	}
	sqldb := stdlib.OpenDBFromPool(pool)
	sqldb.SetMaxOpenConns(cfg.MaxOpenConns)
	return &DB{Bun: bun.NewDB(sqldb, pgdialect.New()), Pool: pool}, nil
}

// Close closes bun's handle and then the pool, waiting for borrowed
// connections to come back.
func (db *DB) Close() {
	_ = db.Bun.Close()
	db.Pool.Close()
}
