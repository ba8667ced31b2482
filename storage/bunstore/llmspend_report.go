package bunstore

import (
	"context"
	"fmt"
	"time"
)

// KeySpend is one key's model usage on one day; Name is the campaign's
// name when the key is a campaign id, else "".
type KeySpend struct {
	Key     string  `bun:"key"`
	Name    string  `bun:"name"`
	Tokens  int64   `bun:"tokens"`
	CostUSD float64 `bun:"cost_usd"`
}

// maxSpendRows bounds the keys Today returns.
const maxSpendRows = 100

// Today returns today's (UTC) usage by key, most tokens first, at most
// 100 keys, with the names of the campaigns the keys are.
func (s *LLMSpend) Today(ctx context.Context) ([]KeySpend, error) {
	out := []KeySpend{}
	err := s.db.NewSelect().TableExpr("kpbot_llm_spend AS s").
		ColumnExpr("s.key, COALESCE(c.name, '') AS name, s.tokens, s.cost_usd").
		Join("LEFT JOIN kpbot_campaigns AS c ON c.id = s.key").
		Where("s.day = ?", s.today()).
		OrderExpr("s.tokens DESC, s.key ASC").
		Limit(maxSpendRows).
		Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("read today's llm spend: %w", mapErr(err))
	}
	return out, nil
}

// DaySpend is one key's model usage on one UTC day.
type DaySpend struct {
	Day string `bun:"day"` // YYYY-MM-DD
	KeySpend
}

// ByDay returns the usage by day and key of the days kept
// (SpendHistoryDays), newest day first and most tokens first within a
// day, at most 100 keys a day's worth (700 rows), with campaign names.
func (s *LLMSpend) ByDay(ctx context.Context) ([]DaySpend, error) {
	since := s.now().UTC().AddDate(0, 0, -(SpendHistoryDays - 1)).Format(time.DateOnly)
	out := []DaySpend{}
	err := s.db.NewSelect().TableExpr("kpbot_llm_spend AS s").
		ColumnExpr("s.day, s.key, COALESCE(c.name, '') AS name, s.tokens, s.cost_usd").
		Join("LEFT JOIN kpbot_campaigns AS c ON c.id = s.key").
		Where("s.day >= ?", since).
		OrderExpr("s.day DESC, s.tokens DESC, s.key ASC").
		Limit(maxSpendRows*SpendHistoryDays).
		Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("read llm spend by day: %w", mapErr(err))
	}
	return out, nil
}
