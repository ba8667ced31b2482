package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth/authtest"
)

// BudgetFactory returns a Budget with limits reading the time from now,
// and a second Budget on the same store when the store is shared between
// instances (nil when it is not, like an in-process budget).
type BudgetFactory func(t *testing.T, limits agents.BudgetLimits, now func() time.Time) (agents.Budget, agents.Budget)

// TestBudget runs every budget scenario against newBudget.
func TestBudget(t *testing.T, newBudget BudgetFactory) {
	t.Helper()
	for name, fn := range map[string]func(*testing.T, BudgetFactory){
		"TokensRunOut":        testBudgetTokens,
		"CostRunsOut":         testBudgetCost,
		"NextDayStartsAfresh": testBudgetNextDay,
		"ConcurrentSpends":    testBudgetConcurrent,
		"SharedByInstances":   testBudgetShared,
		"ReservationsExact":   testBudgetReserve,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newBudget)
		})
	}
}

func testBudgetTokens(t *testing.T, newBudget BudgetFactory) {
	b, _ := newBudget(t, agents.BudgetLimits{DailyTokens: 100}, nil)
	ctx := t.Context()
	key, other := newID(), newID()
	require.NoError(t, b.Check(ctx, key), "nothing spent yet")
	require.NoError(t, b.Spend(ctx, key, 60, 0))
	require.NoError(t, b.Check(ctx, key), "60 of 100")
	require.NoError(t, b.Spend(ctx, key, 60, 0), "spending past the limit is recorded, not refused")
	err := b.Check(ctx, key)
	require.ErrorIs(t, err, agents.ErrBudgetExceeded)
	assert.Contains(t, err.Error(), "120 of 100")
	assert.NoError(t, b.Check(ctx, other), "each key has its own budget")
}

func testBudgetCost(t *testing.T, newBudget BudgetFactory) {
	b, _ := newBudget(t, agents.BudgetLimits{DailyCostUSD: 0.5}, nil)
	ctx := t.Context()
	key := newID()
	require.NoError(t, b.Spend(ctx, key, 1_000_000, 0.25))
	require.NoError(t, b.Check(ctx, key), "no token limit; $0.25 of $0.50")
	require.NoError(t, b.Spend(ctx, key, 1, 0.25))
	assert.ErrorIs(t, b.Check(ctx, key), agents.ErrBudgetExceeded)
	require.NoError(t, b.Spend(ctx, key, -5, -1))
	assert.ErrorIs(t, b.Check(ctx, key), agents.ErrBudgetExceeded, "negative usage counts as none, not as a refund")
}

func testBudgetNextDay(t *testing.T, newBudget BudgetFactory) {
	// Today and tomorrow by the real clock, so the other scenarios sharing
	// the store (on today) and this one prune none of each other's days.
	y, m, d := time.Now().UTC().Date()
	clock := authtest.NewClock(time.Date(y, m, d, 23, 59, 0, 0, time.UTC))
	b, _ := newBudget(t, agents.BudgetLimits{DailyTokens: 10}, clock.Now)
	ctx := t.Context()
	key := newID()
	require.NoError(t, b.Spend(ctx, key, 10, 0))
	require.ErrorIs(t, b.Check(ctx, key), agents.ErrBudgetExceeded)
	clock.Set(time.Date(y, m, d+1, 0, 0, 1, 0, time.UTC))
	assert.NoError(t, b.Check(ctx, key), "the budget is daily, UTC")
	require.NoError(t, b.Spend(ctx, key, 9, 0))
	assert.NoError(t, b.Check(ctx, key), "yesterday's spending does not count")
}

func testBudgetConcurrent(t *testing.T, newBudget BudgetFactory) {
	b, _ := newBudget(t, agents.BudgetLimits{DailyTokens: 100}, nil)
	ctx := t.Context()
	key := newID()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() { assert.NoError(t, b.Spend(ctx, key, 5, 0)) })
	}
	wg.Wait()
	err := b.Check(ctx, key)
	require.ErrorIs(t, err, agents.ErrBudgetExceeded)
	assert.Contains(t, err.Error(), "100 of 100", "no spend is lost")
}

func testBudgetShared(t *testing.T, newBudget BudgetFactory) {
	a, b := newBudget(t, agents.BudgetLimits{DailyTokens: 100}, nil)
	if b == nil {
		t.Skip("storetest: this budget lives in one process")
	}
	ctx := t.Context()
	key := newID()
	require.NoError(t, a.Spend(ctx, key, 70, 0))
	require.NoError(t, b.Spend(ctx, key, 30, 0))
	assert.ErrorIs(t, a.Check(ctx, key), agents.ErrBudgetExceeded, "one instance sees the other's spending")
	assert.ErrorIs(t, b.Check(ctx, key), agents.ErrBudgetExceeded)
}

// testBudgetReserve: with reservations as large as the calls, 30 calls at
// once (on two instances when the store is shared) against a 100-token
// budget let exactly 10 calls of 10 tokens through, as one at a time would.
func testBudgetReserve(t *testing.T, newBudget BudgetFactory) {
	a, b := newBudget(t, agents.BudgetLimits{DailyTokens: 100}, nil)
	ra, ok := a.(agents.Reserver)
	if !ok {
		t.Skip("storetest: this budget does not reserve")
	}
	rb := ra
	if b != nil {
		rb = b.(agents.Reserver)
	}
	ctx := t.Context()
	key := newID()
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for i := range 30 {
		r := ra
		if i%2 == 1 {
			r = rb
		}
		wg.Go(func() {
			err := r.Reserve(ctx, key, 10)
			if err != nil {
				assert.ErrorIs(t, err, agents.ErrBudgetExceeded)
				return
			}
			mu.Lock()
			allowed++
			mu.Unlock()
			assert.NoError(t, r.Settle(ctx, key, 10, 10, 0.01))
		})
	}
	wg.Wait()
	assert.Equal(t, 10, allowed)
	err := a.Check(ctx, key)
	require.ErrorIs(t, err, agents.ErrBudgetExceeded)
	assert.Contains(t, err.Error(), "100 of 100", "exactly the limit, never over")

	// A failed call settles to nothing and frees its tokens.
	other := newID()
	require.NoError(t, ra.Reserve(ctx, other, 100))
	require.NoError(t, ra.Settle(ctx, other, 100, 0, 0))
	assert.NoError(t, a.Check(ctx, other))
}
