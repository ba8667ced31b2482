package bunstore

import (
	"bufio"
	"bytes"
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"
	"github.com/uptrace/bun/migrate"
)

// The bookkeeping tables, named so an embedding application's own bun
// migrations never collide with kpbot's.
const (
	MigrationsTable     = "kpbot_migrations"
	MigrationLocksTable = "kpbot_migration_locks"
)

// migrationFiles holds one directory of SQL migrations per dialect, named
// the way bun/migrate expects (<14-digit version>_<comment>.tx.up.sql).
//
//go:embed migrations
var migrationFiles embed.FS

// sqlMigration is one parsed up migration.
type sqlMigration struct {
	name, comment string
	statements    []string
}

// goStep is Go code a migration runs after its SQL statements, in the same
// transaction, for data SQL cannot compute.
type goStep func(ctx context.Context, tx bun.Tx, log *slog.Logger) error

// goSteps names the migrations that have a Go step, by version. Steps run
// only through Migrate: bun/migrate's own Migrator applies the SQL alone.
var goSteps = map[string]goStep{
	"20261202030000": fillEmailKeys,
}

// MigrateOption changes how Migrate runs.
type MigrateOption func(*migrateConfig)

type migrateConfig struct {
	log  *slog.Logger
	upTo string // apply versions up to and including this one; "" for all
}

// WithMigrateLogger makes Migrate report what it notices in the data (such
// as two users whose addresses collide after normalisation) to l instead
// of slog.Default().
func WithMigrateLogger(l *slog.Logger) MigrateOption {
	return func(c *migrateConfig) { c.log = l }
}

var migrationName = regexp.MustCompile(`^(\d{1,14})_([0-9a-z_\-]+)\.`)

// Migrate brings db's kpbot tables up to date. It is safe for several
// instances to call at once against one database: everything runs in one
// transaction that first takes a lock every other migrator waits for — on
// PostgreSQL pg_advisory_xact_lock (per schema), on SQLite the database
// write lock that BEGIN IMMEDIATE takes (waiting up to the busy timeout;
// storage/sqlite.Open makes every transaction immediate, and a database
// opened with _txlock=deferred loses this guarantee).
// On both, DDL is transactional, so a failed migration leaves nothing
// behind. Some migrations also run Go code in that transaction (goSteps). The bookkeeping rows in kpbot_migrations have bun/migrate's
// layout, so NewMigrator can report status and roll back.
func Migrate(ctx context.Context, db *bun.DB, opts ...MigrateOption) error {
	cfg := migrateConfig{log: slog.Default()}
	for _, o := range opts {
		o(&cfg)
	}
	ms, err := loadMigrations(db.Dialect().Name())
	if err != nil {
		return err
	}
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if err := lockMigrations(ctx, tx); err != nil {
			return err
		}
		if err := createMigrationTables(ctx, tx); err != nil {
			return err
		}
		var applied []migrate.Migration
		if err := tx.NewSelect().Model(&applied).ModelTableExpr(MigrationsTable).
			ColumnExpr("name, group_id").Scan(ctx); err != nil {
			return fmt.Errorf("read applied migrations: %w", err)
		}
		var group int64
		done := make(map[string]bool, len(applied))
		for _, m := range applied {
			done[m.Name] = true
			group = max(group, m.GroupID)
		}
		group++
		for _, m := range ms {
			if done[m.name] || cfg.upTo != "" && m.name > cfg.upTo {
				continue
			}
			for _, q := range m.statements {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return fmt.Errorf("migration %s_%s: %w", m.name, m.comment, err)
				}
			}
			if step := goSteps[m.name]; step != nil {
				if err := step(ctx, tx, cfg.log); err != nil {
					return fmt.Errorf("migration %s_%s: %w", m.name, m.comment, err)
				}
			}
			row := &migrate.Migration{Name: m.name, GroupID: group, MigratedAt: time.Now().UTC()}
			if _, err := tx.NewInsert().Model(row).ModelTableExpr(MigrationsTable).Exec(ctx); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("migrate kpbot schema: %w", err)
	}
	return nil
}

// NewMigrator returns a bun/migrate Migrator over kpbot's migrations and
// bookkeeping tables, for status reports and rollbacks. Apply migrations
// with Migrate, which is safe to run from several instances at once.
func NewMigrator(db *bun.DB) (*migrate.Migrator, error) {
	sub, err := migrationDir(db.Dialect().Name())
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("discover kpbot migrations: %w", err)
	}
	return migrate.NewMigrator(db, ms,
		migrate.WithTableName(MigrationsTable),
		migrate.WithLocksTableName(MigrationLocksTable),
		migrate.WithMarkAppliedOnSuccess(true),
	), nil
}

// lockMigrations makes concurrent migrators queue. SQLite needs nothing
// here: BEGIN IMMEDIATE already holds the database's write lock.
func lockMigrations(ctx context.Context, tx bun.Tx) error {
	if tx.Dialect().Name() != dialect.PG {
		return nil
	}
	// The key is per schema, so migrations of different schemas (tests,
	// tenants) in one database don't wait for each other.
	if _, err := tx.ExecContext(ctx,
		"SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.' || ?))", MigrationsTable); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	return nil
}

// createMigrationTables creates bun/migrate's two bookkeeping tables under
// kpbot's names, as migrate.Migrator.Init would.
func createMigrationTables(ctx context.Context, tx bun.Tx) error {
	if _, err := tx.NewCreateTable().Model((*migrate.Migration)(nil)).
		ModelTableExpr(MigrationsTable).IfNotExists().Exec(ctx); err != nil {
		return fmt.Errorf("create %s: %w", MigrationsTable, err)
	}
	if _, err := tx.NewCreateTable().Model((*migrationLock)(nil)).
		ModelTableExpr(MigrationLocksTable).IfNotExists().Exec(ctx); err != nil {
		return fmt.Errorf("create %s: %w", MigrationLocksTable, err)
	}
	return nil
}

// migrationLock has the layout of bun/migrate's lock table.
type migrationLock struct {
	ID        int64  `bun:",pk,autoincrement"`
	TableName string `bun:",unique"`
}

// migrationDir returns the embedded migrations of one dialect.
func migrationDir(d dialect.Name) (fs.FS, error) {
	var dir string
	switch d {
	case dialect.SQLite:
		dir = "migrations/sqlite"
	case dialect.PG:
		dir = "migrations/postgres"
	default:
		return nil, fmt.Errorf("bunstore: unsupported dialect %s", d)
	}
	sub, err := fs.Sub(migrationFiles, dir)
	if err != nil {
		return nil, fmt.Errorf("open embedded migrations %s: %w", dir, err)
	}
	return sub, nil
}

// loadMigrations reads a dialect's up migrations in version order, split
// into statements at "--bun:split" lines as bun/migrate does.
func loadMigrations(d dialect.Name) ([]sqlMigration, error) {
	sub, err := migrationDir(d)
	if err != nil {
		return nil, err
	}
	files, err := fs.Glob(sub, "*.up.sql")
	if err != nil {
		return nil, fmt.Errorf("list migrations: %w", err)
	}
	ms := make([]sqlMigration, 0, len(files))
	for _, f := range files {
		match := migrationName.FindStringSubmatch(path.Base(f))
		if match == nil {
			return nil, fmt.Errorf("migration %s: name must look like 20260101000000_comment.tx.up.sql", f)
		}
		body, err := fs.ReadFile(sub, f)
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", f, err)
		}
		stmts, err := splitStatements(body)
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", f, err)
		}
		ms = append(ms, sqlMigration{name: match[1], comment: match[2], statements: stmts})
	}
	slices.SortFunc(ms, func(a, b sqlMigration) int { return strings.Compare(a.name, b.name) })
	for i := 1; i < len(ms); i++ {
		if ms[i].name == ms[i-1].name {
			return nil, fmt.Errorf("duplicate migration version %s", ms[i].name)
		}
	}
	return ms, nil
}

// splitStatements splits a migration at "--bun:split" lines.
func splitStatements(body []byte) ([]string, error) {
	var stmts []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			stmts = append(stmts, s)
		}
		cur.Reset()
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if d, ok := strings.CutPrefix(line, "--bun:"); ok {
			if strings.TrimSpace(d) != "split" {
				return nil, fmt.Errorf("unknown directive %q", line)
			}
			flush()
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	flush()
	return stmts, nil
}
