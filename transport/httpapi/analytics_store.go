package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kpbot/kpbot/analytics"
)

// Shared analytics: with Deps.Analytics set, every instance saves the
// running totals of its minute buckets that changed since the last flush
// (every Config.AnalyticsFlushInterval, before answering GET
// /api/admin/analytics, and on shutdown), under an instance id of its
// own, and the report merges every instance's minutes from the store.
// Saving totals rather than increments makes a retried flush harmless.
// The minute ring holds 120 minutes, so a store unreachable for longer
// loses the oldest unflushed minutes (the Prometheus series keep them).

// Defaults of the shared analytics.
const (
	DefaultAnalyticsFlushInterval = 10 * time.Second
	DefaultAnalyticsRetention     = 7 * 24 * time.Hour
)

// newInstanceID names this server's rows in the store.
func newInstanceID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// dirtyMinutes copies the minute buckets counted since the last call and
// marks them clean.
func (s *requestStats) dirtyMinutes() []analytics.Rollup {
	var out []analytics.Rollup
	for k, rs := range *s.routes.Load() {
		rs.mu.Lock()
		for i := range rs.minutes {
			b := &rs.minutes[i]
			if !b.dirty {
				continue
			}
			b.dirty = false
			r := analytics.Rollup{
				Minute: b.period, Method: k.method, Route: k.route,
				Requests: b.requests, ClientErrors: b.clientErrors, ServerErrors: b.serverErrors,
			}
			for j, n := range b.bins {
				r.Bins[j] = uint64(n)
			}
			out = append(out, r)
		}
		rs.mu.Unlock()
	}
	return out
}

// markDirty marks rows' buckets dirty again after a failed save, unless a
// bucket has since moved on to another minute.
func (s *requestStats) markDirty(rows []analytics.Rollup) {
	routes := *s.routes.Load()
	for _, r := range rows {
		rs, ok := routes[routeKey{method: r.Method, route: r.Route}]
		if !ok {
			continue
		}
		rs.mu.Lock()
		if b := &rs.minutes[mod(r.Minute, minuteBuckets)]; b.period == r.Minute {
			b.dirty = true
		}
		rs.mu.Unlock()
	}
}

// FlushAnalytics saves this instance's changed minute buckets to
// Deps.Analytics; it does nothing when that is nil. On failure the
// buckets are saved again by the next flush.
func (s *Server) FlushAnalytics(ctx context.Context) error {
	if s.deps.Analytics == nil {
		return nil
	}
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	rows := s.metrics.analytics.dirtyMinutes()
	if err := s.deps.Analytics.Save(ctx, s.instance, rows); err != nil {
		s.metrics.analytics.markDirty(rows)
		return fmt.Errorf("flush analytics: %w", err)
	}
	return nil
}

// RunAnalytics flushes the analytics every Config.AnalyticsFlushInterval
// and deletes the minutes older than Config.AnalyticsRetention once an
// hour, until ctx ends; then it flushes one last time (within 5 s). It
// returns at once when Deps.Analytics is nil. Run it in its own goroutine
// for as long as the server serves.
func (s *Server) RunAnalytics(ctx context.Context) {
	if s.deps.Analytics == nil {
		return
	}
	prune := func() {
		before := floorDiv(s.metrics.analytics.now().Add(-s.cfg.AnalyticsRetention).Unix(), 60)
		if err := s.deps.Analytics.Prune(ctx, before); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "prune analytics", "err", err.Error())
		}
	}
	prune()
	tick := time.NewTicker(s.cfg.AnalyticsFlushInterval)
	defer tick.Stop()
	lastPrune := time.Now()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := s.FlushAnalytics(fctx); err != nil {
				s.log.Warn("final analytics flush", "err", err.Error())
			}
			return
		case <-tick.C:
			if err := s.FlushAnalytics(ctx); err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "analytics flush failed; retrying at the next", "err", err.Error())
			}
			if time.Since(lastPrune) >= time.Hour {
				prune()
				lastPrune = time.Now()
			}
		}
	}
}

// sharedSnapshot flushes this instance and merges every instance's
// minutes of the window from the store: exact to the minute.
func (s *Server) sharedSnapshot(ctx context.Context, window time.Duration) (statsWindow, error) {
	if err := s.FlushAnalytics(ctx); err != nil {
		// Answer from what the store has; this instance's minutes follow
		// at the next flush.
		s.log.WarnContext(ctx, "analytics flush before report", "err", err.Error())
	}
	st := s.metrics.analytics
	now := st.now()
	first := floorDiv(now.Add(-window).Unix(), 60)
	last := floorDiv(now.Unix(), 60)
	rows, err := s.deps.Analytics.Load(ctx, first, last)
	if err != nil {
		return statsWindow{}, fmt.Errorf("load analytics: %w", err)
	}
	merged := map[routeKey]*routeTotals{}
	for i := range rows {
		r := &rows[i]
		k := routeKey{method: r.Method, route: r.Route}
		t := merged[k]
		if t == nil {
			t = &routeTotals{}
			merged[k] = t
		}
		t.requests += r.Requests
		t.clientErrors += r.ClientErrors
		t.serverErrors += r.ServerErrors
		for j, n := range r.Bins {
			t.bins[j] += n
		}
	}
	out := statsWindow{from: time.Unix(first*60, 0).UTC(), to: now.UTC()}
	for k, t := range merged {
		if t.requests == 0 {
			continue
		}
		out.routes = append(out.routes, st.routeAnalytics(k, t))
	}
	slices.SortFunc(out.routes, func(a, b RouteAnalytics) int {
		if c := strings.Compare(a.Route, b.Route); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out, nil
}
