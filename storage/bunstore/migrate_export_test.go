package bunstore

import (
	"context"

	"github.com/uptrace/bun"
)

// WithMigrateUpTo makes Migrate apply the migrations up to and including
// version only, for tests that need a database as an older release left it.
func WithMigrateUpTo(version string) MigrateOption {
	return func(c *migrateConfig) { c.upTo = version }
}

// MigrateUpTo migrates db up to and including version.
func MigrateUpTo(ctx context.Context, db *bun.DB, version string) error {
	return Migrate(ctx, db, WithMigrateUpTo(version))
}
