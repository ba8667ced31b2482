package bunstore_test

import (
	"testing"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestLLMSpend runs the budget suite on SQLite and PostgreSQL, two
// budgets on one database standing for two instances.
func TestLLMSpend(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		storetest.TestBudget(t, func(_ *testing.T, l agents.BudgetLimits, now func() time.Time) (agents.Budget, agents.Budget) {
			return bunstore.NewLLMSpend(db, l, now), bunstore.NewLLMSpend(db, l, now)
		})
	})
}
