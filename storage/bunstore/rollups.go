package bunstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/analytics"
)

// Rollups is an analytics.Store on the kpbot_http_rollups table: one row
// per minute, instance and route, written only by its instance and
// summed on read.
type Rollups struct{ db bun.IDB }

var _ analytics.Store = (*Rollups)(nil)

// NewRollups returns the rollup store on db.
func NewRollups(db bun.IDB) *Rollups { return &Rollups{db: db} }

type rollupRow struct {
	bun.BaseModel `bun:"table:kpbot_http_rollups,alias:h"`

	Minute       int64  `bun:"minute,pk"`
	Instance     string `bun:"instance,pk"`
	Method       string `bun:"method,pk"`
	Route        string `bun:"route,pk"`
	Requests     int64  `bun:"requests"`
	ClientErrors int64  `bun:"client_errors"`
	ServerErrors int64  `bun:"server_errors"`
	Bins         string `bun:"bins"`
}

// Save upserts instance's rows in one statement, replacing earlier totals.
func (s *Rollups) Save(ctx context.Context, instance string, rows []analytics.Rollup) error {
	if len(rows) == 0 {
		return nil
	}
	models := make([]rollupRow, len(rows))
	for i, r := range rows {
		models[i] = rollupRow{
			Minute: r.Minute, Instance: instance, Method: r.Method, Route: r.Route,
			Requests: int64(r.Requests), ClientErrors: int64(r.ClientErrors), ServerErrors: int64(r.ServerErrors),
			Bins: encodeBins(&r.Bins),
		}
	}
	_, err := s.db.NewInsert().Model(&models).
		On("CONFLICT (minute, instance, method, route) DO UPDATE").
		Set("requests = EXCLUDED.requests").
		Set("client_errors = EXCLUDED.client_errors").
		Set("server_errors = EXCLUDED.server_errors").
		Set("bins = EXCLUDED.bins").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("save %d http rollups: %w", len(rows), mapErr(err))
	}
	return nil
}

// Load reads the rows of minutes from..to and sums them per minute and
// route.
func (s *Rollups) Load(ctx context.Context, from, to int64) ([]analytics.Rollup, error) {
	var rows []rollupRow
	err := s.db.NewSelect().Model(&rows).
		Where("minute >= ?", from).Where("minute <= ?", to).
		Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("load http rollups: %w", mapErr(err))
	}
	type key struct {
		minute        int64
		method, route string
	}
	idx := make(map[key]int, len(rows))
	var out []analytics.Rollup
	for _, row := range rows {
		r := analytics.Rollup{
			Minute: row.Minute, Method: row.Method, Route: row.Route,
			Requests: uint64(row.Requests), ClientErrors: uint64(row.ClientErrors), ServerErrors: uint64(row.ServerErrors),
		}
		if err := decodeBins(row.Bins, &r.Bins); err != nil {
			return nil, fmt.Errorf("load http rollups: minute %d %s %s: %w", row.Minute, row.Method, row.Route, err)
		}
		k := key{row.Minute, row.Method, row.Route}
		if i, ok := idx[k]; ok {
			out[i].Add(&r)
			continue
		}
		idx[k] = len(out)
		out = append(out, r)
	}
	return out, nil
}

// Prune deletes the rows of minutes before before.
func (s *Rollups) Prune(ctx context.Context, before int64) error {
	if _, err := s.db.NewDelete().Model((*rollupRow)(nil)).Where("minute < ?", before).Exec(ctx); err != nil {
		return fmt.Errorf("prune http rollups: %w", mapErr(err))
	}
	return nil
}

// encodeBins writes the non-zero bins as "i:n,i:n".
func encodeBins(bins *[analytics.LatencyBins]uint64) string {
	var b strings.Builder
	for i, n := range bins {
		if n == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
		b.WriteByte(':')
		b.WriteString(strconv.FormatUint(n, 10))
	}
	return b.String()
}

// decodeBins reads encodeBins's format into bins.
func decodeBins(s string, bins *[analytics.LatencyBins]uint64) error {
	if s == "" {
		return nil
	}
	for pair := range strings.SplitSeq(s, ",") {
		is, ns, ok := strings.Cut(pair, ":")
		i, err1 := strconv.Atoi(is)
		n, err2 := strconv.ParseUint(ns, 10, 64)
		if !ok || err1 != nil || err2 != nil || i < 0 || i >= analytics.LatencyBins {
			return fmt.Errorf("bad latency bin %q", pair)
		}
		bins[i] += n
	}
	return nil
}
