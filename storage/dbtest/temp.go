package dbtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/sqlite"
)

// TempSQLite opens a migrated SQLite database in a new temporary
// directory, for code that has no testing.TB (runnable examples). done
// closes the database and removes the directory.
func TempSQLite(ctx context.Context) (db *bun.DB, done func(), err error) {
	dir, err := os.MkdirTemp("", "kpbot-")
	if err != nil {
		return nil, nil, fmt.Errorf("dbtest: temporary directory: %w", err)
	}
	db, err = sqlite.Open(ctx, "file:"+filepath.Join(dir, "kpbot.db"), pool())
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, fmt.Errorf("dbtest: open SQLite: %w", err)
	}
	done = func() {
		_ = db.Close()
		_ = os.RemoveAll(dir)
	}
	if err := bunstore.Migrate(ctx, db); err != nil {
		done()
		return nil, nil, fmt.Errorf("dbtest: migrate SQLite: %w", err)
	}
	return db, done, nil
}
