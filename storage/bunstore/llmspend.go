package bunstore

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage"
)

// LLMSpend is an agents.Budget kept in the database, so every instance
// that shares the database shares the budget: a campaign's daily limit
// holds however many instances run its drafts. It is an agents.Reserver:
// a reservation is added to the day's tokens in one conditional statement
// only while they are under the limit, so calls made at once (on any
// instance) never spend more than calls made one at a time would. A
// reservation that does not fit is refused rather than waited for.
type LLMSpend struct {
	db       bun.IDB
	defaults agents.BudgetLimits
	now      func() time.Time
	pruned   atomic.Value // the day (string) earlier days were last deleted on
}

var _ agents.Reserver = (*LLMSpend)(nil)

// NewLLMSpend returns a budget on db with the same limits for every key;
// now is the clock (nil for time.Now).
func NewLLMSpend(db bun.IDB, limits agents.BudgetLimits, now func() time.Time) *LLMSpend {
	if now == nil {
		now = time.Now
	}
	return &LLMSpend{db: db, defaults: limits, now: now}
}

type llmSpendRow struct {
	bun.BaseModel `bun:"table:kpbot_llm_spend,alias:s"`

	Key     string  `bun:"key,pk"`
	Day     string  `bun:"day,pk"`
	Tokens  int64   `bun:"tokens"`
	CostUSD float64 `bun:"cost_usd"`
}

func (s *LLMSpend) today() string { return s.now().UTC().Format(time.DateOnly) }

// SpendHistoryDays is how many UTC days of usage the table keeps, today
// included.
const SpendHistoryDays = 7

// Spend adds tokens and cost to key's usage today, in one statement. The
// first Spend of a day on this instance also deletes the days older than
// SpendHistoryDays, for every key.
func (s *LLMSpend) Spend(ctx context.Context, key string, tokens int, cost float64) error {
	row := &llmSpendRow{Key: key, Day: s.today(), Tokens: int64(max(tokens, 0)), CostUSD: max(cost, 0)}
	_, err := s.db.NewInsert().Model(row).
		On("CONFLICT (key, day) DO UPDATE").
		Set("tokens = s.tokens + EXCLUDED.tokens").
		Set("cost_usd = s.cost_usd + EXCLUDED.cost_usd").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("record llm spend of %q: %w", key, mapErr(err))
	}
	if s.pruned.Load() == row.Day {
		return nil
	}
	// SpendHistoryDays days stay (today included), for the analytics
	// report's usage by day; yesterday always does, since an instance
	// whose clock is behind may still be spending it.
	before := s.now().UTC().AddDate(0, 0, -(SpendHistoryDays - 1)).Format(time.DateOnly)
	if _, err := s.db.NewDelete().Model((*llmSpendRow)(nil)).Where("day < ?", before).Exec(ctx); err != nil {
		return fmt.Errorf("forget llm spend before %s: %w", before, mapErr(err))
	}
	s.pruned.Store(row.Day)
	return nil
}

// Check refuses once key's usage today has reached the limits.
func (s *LLMSpend) Check(ctx context.Context, key string) error {
	var row llmSpendRow
	err := s.db.NewSelect().Model(&row).Where("key = ?", key).Where("day = ?", s.today()).Scan(ctx)
	if err := mapErr(err); err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("read llm spend of %q: %w", key, err)
	}
	return s.defaults.Exceeded(key, int(row.Tokens), row.CostUSD)
}

// Reserve adds tokens to key's usage today in one statement, only while
// the usage (reservations included) is under the daily token limit.
func (s *LLMSpend) Reserve(ctx context.Context, key string, tokens int) error {
	if err := s.Check(ctx, key); err != nil {
		return err
	}
	row := &llmSpendRow{Key: key, Day: s.today(), Tokens: int64(max(tokens, 0))}
	q := s.db.NewInsert().Model(row).
		On("CONFLICT (key, day) DO UPDATE").
		Set("tokens = s.tokens + EXCLUDED.tokens")
	if limit := s.defaults.DailyTokens; limit > 0 {
		q = q.Where("s.tokens < ?", limit)
	}
	res, err := q.Exec(ctx)
	if err != nil {
		return fmt.Errorf("reserve llm tokens for %q: %w", key, mapErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		if err := s.Check(ctx, key); err != nil {
			return err
		}
		return fmt.Errorf("budget %q: daily tokens held by calls in flight: %w", key, agents.ErrBudgetExceeded)
	}
	return nil
}

// Settle replaces a reservation made today with what the call spent.
func (s *LLMSpend) Settle(ctx context.Context, key string, reserved, tokens int, cost float64) error {
	delta := int64(max(tokens, 0)) - int64(max(reserved, 0))
	res, err := s.db.NewUpdate().Model((*llmSpendRow)(nil)).
		Set("tokens = tokens + ?", delta).
		Set("cost_usd = cost_usd + ?", max(cost, 0)).
		Where("key = ?", key).Where("day = ?", s.today()).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("settle llm spend of %q: %w", key, mapErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		// The day turned while the call ran: record it on the new day.
		return s.Spend(ctx, key, tokens, cost)
	}
	return nil
}
