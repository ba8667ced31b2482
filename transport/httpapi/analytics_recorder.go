package httpapi

import (
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Rolling-window request statistics.
//
// Every (method, route pattern) pair has two rings of buckets: 120
// one-minute buckets and 26 one-hour buckets; a request is counted in the
// bucket of its minute and in the bucket of its hour. A bucket remembers
// which minute or hour it holds, so a stale slot is reset when its index
// comes round again and ignored by readers: nothing has to rotate.
//
// A window reads the minute buckets back to one hour before the start of
// the current hour (always in the 120-minute ring) and the hour buckets
// before that, so windows up to 1h are exact to the minute and longer
// ones to the minute for the last hour or two and to the hour beyond.
// The oldest bucket read may start up to one bucket before now-window;
// the report's from is the start of that bucket.
//
// Latency goes into latencyBins fixed log-spaced bins: bin 0 is below
// latencyMin, bin latencyBins-1 is latencyMax and above, and the bins in
// between split [latencyMin, latencyMax) at a constant ratio
// g = (latencyMax/latencyMin)^(1/(latencyBins-2)) ≈ 1.239. A quantile is
// the geometric middle of the bin holding that rank, so inside
// [latencyMin, latencyMax) it is within a factor √g ≈ 1.113 (±11.3%) of
// the true sample quantile; below latencyMin it reads as latencyMin (an
// upper bound), at or above latencyMax as latencyMax (a lower bound).
//
// Memory: about 42 KiB per (method, route) pair once it is seen, at most
// maxAnalyticsRoutes pairs (further pairs share one overflow entry); the
// route is the matched pattern or "unmatched" and the method one of the
// standard ones or OTHER, so the set is bounded by the router anyway.
const (
	latencyBins        = 64
	latencyMin         = 100 * time.Microsecond
	latencyMax         = 60 * time.Second
	minuteBuckets      = 120
	hourBuckets        = 26
	maxAnalyticsRoutes = 1024
	// MinAnalyticsWindow and MaxAnalyticsWindow bound the window of
	// GET /api/admin/analytics.
	MinAnalyticsWindow = time.Minute
	MaxAnalyticsWindow = 24 * time.Hour
)

// The key of the entry that collects pairs beyond maxAnalyticsRoutes.
const (
	overflowMethod = "OTHER"
	overflowRoute  = "overflow"
)

// routeKey names one row of the statistics.
type routeKey struct{ method, route string }

// statBucket is one minute or one hour of one route.
type statBucket struct {
	period       int64 // unix minute or unix hour the bucket holds
	requests     uint64
	clientErrors uint64
	serverErrors uint64
	bins         [latencyBins]uint32
	dirty        bool // counted since the last flush to Deps.Analytics
}

func (b *statBucket) add(period int64, status, bin int) {
	if b.period != period {
		*b = statBucket{period: period}
	}
	b.requests++
	if status >= 500 {
		b.serverErrors++
	} else if status >= 400 {
		b.clientErrors++
	}
	b.bins[bin]++
	b.dirty = true
}

func (b *statBucket) mergeInto(out *routeTotals) {
	out.requests += b.requests
	out.clientErrors += b.clientErrors
	out.serverErrors += b.serverErrors
	for i, n := range b.bins {
		out.bins[i] += uint64(n)
	}
}

// routeStats is one route's rings, guarded by its own mutex.
type routeStats struct {
	mu      sync.Mutex
	minutes [minuteBuckets]statBucket
	hours   [hourBuckets]statBucket
}

// routeTotals is a route's merged buckets over a window.
type routeTotals struct {
	requests, clientErrors, serverErrors uint64
	bins                                 [latencyBins]uint64
}

// requestStats records every request's route, status and latency in
// bounded rolling windows. It is safe for concurrent use; recording takes
// one lock-free map load and one per-route mutex.
type requestStats struct {
	now    func() time.Time
	logMin float64 // ln(latencyMin in ns)
	logG   float64 // ln(g)

	routes atomic.Pointer[map[routeKey]*routeStats] // copy on write
	mu     sync.Mutex                               // serializes writers of routes
}

// newRequestStats returns an empty recorder reading the time from now
// (time.Now when nil).
func newRequestStats(now func() time.Time) *requestStats {
	if now == nil {
		now = time.Now
	}
	s := &requestStats{
		now:    now,
		logMin: math.Log(float64(latencyMin)),
		logG:   math.Log(float64(latencyMax)/float64(latencyMin)) / (latencyBins - 2),
	}
	empty := map[routeKey]*routeStats{}
	s.routes.Store(&empty)
	return s
}

// binOf returns the latency bin of d.
func (s *requestStats) binOf(d time.Duration) int {
	if d < latencyMin {
		return 0
	}
	if d >= latencyMax {
		return latencyBins - 1
	}
	i := 1 + int((math.Log(float64(d))-s.logMin)/s.logG)
	return min(max(i, 1), latencyBins-2)
}

// binValue is the latency a quantile falling in bin i reads as.
func (s *requestStats) binValue(i int) time.Duration {
	switch i {
	case 0:
		return latencyMin
	case latencyBins - 1:
		return latencyMax
	}
	return time.Duration(math.Exp(s.logMin + (float64(i)-0.5)*s.logG))
}

// record counts one request.
func (s *requestStats) record(method, route string, status int, d time.Duration) {
	rs := s.route(routeKey{method: method, route: route})
	bin := s.binOf(d)
	unix := s.now().Unix()
	minute, hour := floorDiv(unix, 60), floorDiv(unix, 3600)
	rs.mu.Lock()
	rs.minutes[mod(minute, minuteBuckets)].add(minute, status, bin)
	rs.hours[mod(hour, hourBuckets)].add(hour, status, bin)
	rs.mu.Unlock()
}

// route returns the key's stats, creating them on first sight.
func (s *requestStats) route(k routeKey) *routeStats {
	if rs, ok := (*s.routes.Load())[k]; ok {
		return rs
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur := *s.routes.Load()
	if rs, ok := cur[k]; ok {
		return rs
	}
	if len(cur) >= maxAnalyticsRoutes {
		k = routeKey{method: overflowMethod, route: overflowRoute}
		if rs, ok := cur[k]; ok {
			return rs
		}
	}
	next := make(map[routeKey]*routeStats, len(cur)+1)
	for key, v := range cur {
		next[key] = v
	}
	rs := &routeStats{}
	next[k] = rs
	s.routes.Store(&next)
	return rs
}

// RouteAnalytics is one route's traffic over the window.
type RouteAnalytics struct {
	Method       string  `json:"method"`
	Route        string  `json:"route" doc:"The matched route pattern, or \"unmatched\"."`
	Requests     uint64  `json:"requests"`
	ClientErrors uint64  `json:"client_errors" doc:"Responses with status 400..499."`
	ServerErrors uint64  `json:"server_errors" doc:"Responses with status 500 and above."`
	ErrorRate    float64 `json:"error_rate" doc:"(client_errors + server_errors) / requests."`
	P50Ms        float64 `json:"p50_ms" doc:"Median latency in milliseconds, within ±11.3% between 0.1 ms and 60 s."`
	P95Ms        float64 `json:"p95_ms"`
	P99Ms        float64 `json:"p99_ms"`
}

// statsWindow is what snapshot read.
type statsWindow struct {
	from, to time.Time
	routes   []RouteAnalytics
}

// snapshot merges every route's buckets over the window ending now, which
// must be between MinAnalyticsWindow and MaxAnalyticsWindow. Routes
// without requests in the window are left out; the rest are sorted by
// route, then method.
func (s *requestStats) snapshot(window time.Duration) statsWindow {
	now := s.now()
	unix := now.Unix()
	fromUnix := now.Add(-window).Unix()
	curHour := floorDiv(unix, 3600)
	// Minutes cover everything from one hour before the current hour.
	minuteFloor := (curHour - 1) * 60
	firstMinute := max(floorDiv(fromUnix, 60), minuteFloor)
	lastMinute := floorDiv(unix, 60)
	firstHour := floorDiv(fromUnix, 3600)
	lastHour := curHour - 2 // hours read from the hour ring
	from := time.Unix(firstMinute*60, 0)
	if firstHour <= lastHour {
		from = time.Unix(firstHour*3600, 0)
	}

	routes := *s.routes.Load()
	out := statsWindow{from: from.UTC(), to: now.UTC()}
	for k, rs := range routes {
		var t routeTotals
		rs.mu.Lock()
		for m := firstMinute; m <= lastMinute; m++ {
			if b := &rs.minutes[mod(m, minuteBuckets)]; b.period == m {
				b.mergeInto(&t)
			}
		}
		for h := firstHour; h <= lastHour; h++ {
			if b := &rs.hours[mod(h, hourBuckets)]; b.period == h {
				b.mergeInto(&t)
			}
		}
		rs.mu.Unlock()
		if t.requests == 0 {
			continue
		}
		out.routes = append(out.routes, s.routeAnalytics(k, &t))
	}
	slices.SortFunc(out.routes, func(a, b RouteAnalytics) int {
		if c := strings.Compare(a.Route, b.Route); c != 0 {
			return c
		}
		return strings.Compare(a.Method, b.Method)
	})
	return out
}

// routeAnalytics is the report row of a route's merged buckets.
func (s *requestStats) routeAnalytics(k routeKey, t *routeTotals) RouteAnalytics {
	return RouteAnalytics{
		Method: k.method, Route: k.route, Requests: t.requests,
		ClientErrors: t.clientErrors, ServerErrors: t.serverErrors,
		ErrorRate: float64(t.clientErrors+t.serverErrors) / float64(t.requests),
		P50Ms:     s.quantileMs(t, 0.50),
		P95Ms:     s.quantileMs(t, 0.95),
		P99Ms:     s.quantileMs(t, 0.99),
	}
}

// quantileMs is the q-quantile of t's latencies in milliseconds, rounded
// to the microsecond: the value of the bin holding rank ⌈q·n⌉.
func (s *requestStats) quantileMs(t *routeTotals, q float64) float64 {
	rank := uint64(math.Ceil(q * float64(t.requests)))
	rank = max(rank, 1)
	var seen uint64
	for i, n := range t.bins {
		seen += n
		if seen >= rank {
			return math.Round(float64(s.binValue(i))/1e3) / 1e3
		}
	}
	return math.Round(float64(s.binValue(latencyBins-1))/1e3) / 1e3
}

// floorDiv is a/b rounded towards minus infinity.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// mod is a mod n in [0, n).
func mod(a int64, n int) int {
	m := int(a % int64(n))
	if m < 0 {
		m += n
	}
	return m
}
