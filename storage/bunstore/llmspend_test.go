package bunstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

// TestLLMSpendForgetsOldDays: the first spend of a day deletes the days
// before yesterday and keeps yesterday's.
func TestLLMSpendForgetsOldDays(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := t.Context()
		key := "forget-" + t.Name()
		days := func() []string {
			var out []string
			require.NoError(t, db.NewSelect().Table("kpbot_llm_spend").Column("day").
				Where("key = ?", key).Order("day").Scan(ctx, &out))
			return out
		}
		for _, d := range []string{"2026-03-01", "2026-03-09", "2026-03-10"} {
			at, err := time.Parse(time.DateOnly, d)
			require.NoError(t, err)
			require.NoError(t, bunstore.NewLLMSpend(db, agents.BudgetLimits{}, func() time.Time { return at }).Spend(ctx, key, 1, 0))
		}
		assert.Equal(t, []string{"2026-03-09", "2026-03-10"}, days())
	})
}
