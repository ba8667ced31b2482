package riverjob_test

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// Instances started together migrate one schema at once: each waits for
// the other, and none fails (River's migrator has no lock of its own).
func TestMigratePostgresConcurrently(t *testing.T) {
	db := dbtest.Postgres(t)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Go(func() { errs[i] = riverjob.MigratePostgres(t.Context(), db.Pool) })
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "migration %d", i)
	}
	var n int
	require.NoError(t, db.Pool.QueryRow(t.Context(), "SELECT count(*) FROM river_job").Scan(&n))
}
