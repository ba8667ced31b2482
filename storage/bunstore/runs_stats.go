package bunstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

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

// HourStatusCount is how many runs created in one UTC hour have one status.
type HourStatusCount struct {
	Hour   time.Time
	Status agents.RunStatus
	N      int
}

// CountByHour counts the runs created at or after since by the UTC hour
// of their creation and their current status, oldest hour first. It reads
// one row per run in the range (two columns), so keep the range short
// (GET /api/admin/analytics asks for at most a day).
func (s *Runs) CountByHour(ctx context.Context, since time.Time) ([]HourStatusCount, error) {
	var rows []struct {
		Status    string    `bun:"status"`
		CreatedAt time.Time `bun:"created_at"`
	}
	err := s.db.NewSelect().Model((*runRow)(nil)).
		ColumnExpr("r.status AS status").ColumnExpr("r.created_at AS created_at").
		Where("r.created_at >= ?", dbTime(since)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("count runs by hour: %w", mapErr(err))
	}
	type key struct {
		hour   int64
		status string
	}
	counts := map[key]int{}
	for _, r := range rows {
		counts[key{r.CreatedAt.Unix() / 3600, r.Status}]++
	}
	out := make([]HourStatusCount, 0, len(counts))
	for k, n := range counts {
		out = append(out, HourStatusCount{Hour: time.Unix(k.hour*3600, 0).UTC(), Status: agents.RunStatus(k.status), N: n})
	}
	slices.SortFunc(out, func(a, b HourStatusCount) int {
		if c := a.Hour.Compare(b.Hour); c != 0 {
			return c
		}
		return strings.Compare(string(a.Status), string(b.Status))
	})
	return out, nil
}
