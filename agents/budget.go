package agents

import (
	"context"
	"fmt"
)

// Budget tracks LLM spending per key (a campaign, usually) and refuses
// once the key's limit for the day is reached. A Budget whose store is
// shared (a database) holds for every instance that uses it.
// Implementations are safe for concurrent use.
type Budget interface {
	// Spend records tokens and cost against key. It records even past the
	// limit (the tokens were spent); its error is for storage failures.
	Spend(ctx context.Context, key string, tokens int, cost float64) error
	// Check returns an error wrapping ErrBudgetExceeded when key's budget
	// for the current UTC day is spent.
	Check(ctx context.Context, key string) error
}

// BudgetLimits is a daily budget. A zero field means no limit on that
// measure.
type BudgetLimits struct {
	DailyTokens  int     // tokens per UTC day
	DailyCostUSD float64 // US dollars per UTC day
}

// Exceeded returns an error wrapping ErrBudgetExceeded when key's usage
// today (tokens, cost) has reached l, else nil.
func (l BudgetLimits) Exceeded(key string, tokens int, cost float64) error {
	switch {
	case l.DailyTokens > 0 && tokens >= l.DailyTokens:
		return fmt.Errorf("budget %q: %d of %d daily tokens used (resets at 00:00 UTC): %w",
			key, tokens, l.DailyTokens, ErrBudgetExceeded)
	case l.DailyCostUSD > 0 && cost >= l.DailyCostUSD:
		return fmt.Errorf("budget %q: $%.4f of $%.4f daily cost used (resets at 00:00 UTC): %w",
			key, cost, l.DailyCostUSD, ErrBudgetExceeded)
	}
	return nil
}

// Reserver is a Budget that holds tokens back for a call before it is
// made, so calls made at once never spend more together than calls made
// one at a time would: a call starts only while the tokens spent and
// reserved are under the daily limit, exactly as Check allows one call at
// a time. The reservation should be an upper bound of the call's tokens
// (prompt plus max completion); Settle then replaces it with what the call
// really spent.
type Reserver interface {
	Budget
	// Reserve holds tokens back for one call on key, or returns an error
	// wrapping ErrBudgetExceeded (holding nothing) when key's budget is
	// spent, counting the reservations of calls in flight.
	Reserve(ctx context.Context, key string, tokens int) error
	// Settle ends a reservation of reserved tokens, recording what the
	// call spent instead (zero for a call that failed).
	Settle(ctx context.Context, key string, reserved, tokens int, cost float64) error
}
