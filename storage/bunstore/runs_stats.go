package bunstore

import (
	"context"
	"fmt"

	"github.com/kpbot/kpbot/agents"
)

// statusCount is one row of CountByStatus's GROUP BY.
type statusCount struct {
	Status string `bun:"status"`
	N      int    `bun:"n"`
}

// CountByStatus counts every run by status in one GROUP BY query. Every
// agents.Run* status is a key, zero when no run has it; a status outside
// those (written by a newer version) is counted under its own name.
func (s *Runs) CountByStatus(ctx context.Context) (map[agents.RunStatus]int, error) {
	var rows []statusCount
	err := s.db.NewSelect().Model((*runRow)(nil)).
		ColumnExpr("r.status AS status").ColumnExpr("COUNT(*) AS n").
		GroupExpr("r.status").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count runs by status: %w", mapErr(err))
	}
	out := map[agents.RunStatus]int{
		agents.RunQueued: 0, agents.RunRunning: 0, agents.RunSucceeded: 0,
		agents.RunFailed: 0, agents.RunCancelled: 0,
	}
	for _, r := range rows {
		out[agents.RunStatus(r.Status)] += r.N
	}
	return out, nil
}
