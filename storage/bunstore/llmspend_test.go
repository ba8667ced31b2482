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
// older than a week and keeps the rest, which ByDay reports.
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
		for _, d := range []string{"2026-03-01", "2026-03-03", "2026-03-04", "2026-03-09", "2026-03-10"} {
			at, err := time.Parse(time.DateOnly, d)
			require.NoError(t, err)
			require.NoError(t, bunstore.NewLLMSpend(db, agents.BudgetLimits{}, func() time.Time { return at }).Spend(ctx, key, 1, 0))
		}
		assert.Equal(t, []string{"2026-03-04", "2026-03-09", "2026-03-10"}, days(), "the last 7 days stay")

		at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
		rows, err := bunstore.NewLLMSpend(db, agents.BudgetLimits{}, func() time.Time { return at }).ByDay(ctx)
		require.NoError(t, err)
		var mine []bunstore.DaySpend
		for _, r := range rows {
			if r.Key == key {
				mine = append(mine, r)
			}
		}
		require.Len(t, mine, 3)
		assert.Equal(t, "2026-03-10", mine[0].Day, "newest first")
		assert.Equal(t, "2026-03-04", mine[2].Day)
		assert.Equal(t, int64(1), mine[0].Tokens)
	})
}
