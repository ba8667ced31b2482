package httpapi

import (
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth/authtest"
)

// rowOf finds the snapshot row of method and route.
func rowOf(t *testing.T, w statsWindow, method, route string) (RouteAnalytics, bool) {
	t.Helper()
	for _, r := range w.routes {
		if r.Method == method && r.Route == route {
			return r, true
		}
	}
	return RouteAnalytics{}, false
}

func TestRequestStatsBinsBoundTheError(t *testing.T) {
	t.Parallel()
	s := newRequestStats(nil)
	bound := math.Sqrt(math.Exp(s.logG)) // √g
	assert.InDelta(t, 1.113, bound, 0.001, "the documented error bound")
	for d := latencyMin; d < latencyMax; d = d * 101 / 100 {
		i := s.binOf(d)
		require.True(t, i >= 1 && i <= latencyBins-2, "bin %d of %v", i, d)
		ratio := float64(s.binValue(i)) / float64(d)
		require.True(t, ratio <= bound*1.0001 && ratio >= 1/(bound*1.0001), "%v reads as %v", d, s.binValue(i))
	}
	assert.Equal(t, 0, s.binOf(0))
	assert.Equal(t, 0, s.binOf(latencyMin-1))
	assert.Equal(t, latencyBins-1, s.binOf(latencyMax))
	assert.Equal(t, latencyBins-1, s.binOf(time.Hour))
	assert.Equal(t, latencyMin, s.binValue(0))
	assert.Equal(t, latencyMax, s.binValue(latencyBins-1))
	// Bins are monotonic.
	prev := 0
	for d := time.Duration(1); d < 2*latencyMax; d = d*11/10 + 1 {
		i := s.binOf(d)
		require.GreaterOrEqual(t, i, prev, "%v", d)
		prev = i
	}
}

func TestRequestStatsCountsAndQuantiles(t *testing.T) {
	t.Parallel()
	clock := authtest.NewClock(time.Date(2026, 3, 4, 10, 20, 30, 0, time.UTC))
	s := newRequestStats(clock.Now)
	// 100 requests of 1..100 ms: 5 are 404, 2 are 500, 1 is 503.
	for i := 1; i <= 100; i++ {
		status := 200
		switch {
		case i <= 5:
			status = 404
		case i <= 7:
			status = 500
		case i == 8:
			status = 503
		}
		s.record("GET", "/api/things/:id", status, time.Duration(i)*time.Millisecond)
	}
	s.record("POST", "/api/things", 201, 3*time.Second)

	w := s.snapshot(time.Hour)
	require.Len(t, w.routes, 2)
	assert.Equal(t, "/api/things", w.routes[0].Route, "sorted by route")
	got, ok := rowOf(t, w, "GET", "/api/things/:id")
	require.True(t, ok)
	assert.EqualValues(t, 100, got.Requests)
	assert.EqualValues(t, 5, got.ClientErrors)
	assert.EqualValues(t, 3, got.ServerErrors)
	assert.InDelta(t, 0.08, got.ErrorRate, 1e-9)
	for _, c := range []struct {
		name      string
		got, want float64
	}{{"p50", got.P50Ms, 50}, {"p95", got.P95Ms, 95}, {"p99", got.P99Ms, 99}} {
		assert.InEpsilon(t, c.want, c.got, 0.114, "%s", c.name)
	}
	post, ok := rowOf(t, w, "POST", "/api/things")
	require.True(t, ok)
	assert.EqualValues(t, 1, post.Requests)
	assert.Zero(t, post.ErrorRate)
	assert.InEpsilon(t, 3000, post.P50Ms, 0.114)
	assert.Equal(t, post.P50Ms, post.P99Ms)

	assert.Equal(t, clock.Now(), w.to)
	assert.Equal(t, time.Date(2026, 3, 4, 9, 20, 0, 0, time.UTC), w.from, "the start of the oldest minute read")
}

func TestRequestStatsWindowsExpire(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 4, 10, 20, 30, 0, time.UTC)
	clock := authtest.NewClock(t0)
	s := newRequestStats(clock.Now)
	requests := func(w statsWindow, route string) uint64 {
		r, _ := rowOf(t, w, "GET", route)
		return r.Requests
	}

	for range 4 {
		s.record("GET", "/a", 200, time.Millisecond)
	}
	clock.Advance(30 * time.Minute) // 10:50:30
	for range 2 {
		s.record("GET", "/b", 200, time.Millisecond)
	}
	w := s.snapshot(time.Hour)
	assert.EqualValues(t, 4, requests(w, "/a"))
	assert.EqualValues(t, 2, requests(w, "/b"))
	w = s.snapshot(10 * time.Minute)
	assert.Zero(t, requests(w, "/a"), "30 minutes old, outside a 10m window")
	assert.EqualValues(t, 2, requests(w, "/b"))
	_, listed := rowOf(t, w, "GET", "/a")
	assert.False(t, listed, "a route without requests in the window is left out")

	clock.Set(t0.Add(61 * time.Minute)) // 11:21:30
	w = s.snapshot(time.Hour)
	assert.Zero(t, requests(w, "/a"), "61 minutes old, outside 1h")
	assert.EqualValues(t, 2, requests(w, "/b"))
	assert.EqualValues(t, 4, requests(s.snapshot(2*time.Hour), "/a"))

	// Five hours on, only the hour ring still has them.
	clock.Set(t0.Add(5 * time.Hour)) // 15:20:30
	assert.Empty(t, s.snapshot(time.Hour).routes)
	w = s.snapshot(6 * time.Hour)
	assert.EqualValues(t, 4, requests(w, "/a"))
	assert.EqualValues(t, 2, requests(w, "/b"))
	assert.Equal(t, time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC), w.from, "the start of the oldest hour read")
	w = s.snapshot(5*time.Hour - 15*time.Minute) // from 10:35:30: hour 10 still counts whole
	assert.EqualValues(t, 4, requests(w, "/a"))

	// 23 hours on, the 24h window still has them; 25 hours on, it does not.
	clock.Set(t0.Add(23 * time.Hour))
	w = s.snapshot(MaxAnalyticsWindow)
	assert.EqualValues(t, 4, requests(w, "/a"))
	assert.EqualValues(t, 2, requests(w, "/b"))
	clock.Set(t0.Add(25 * time.Hour))
	assert.Empty(t, s.snapshot(MaxAnalyticsWindow).routes)

	// A slot coming round again starts from zero: 26 hours is a whole turn
	// of both rings.
	clock.Set(t0.Add(26 * time.Hour))
	s.record("GET", "/a", 500, time.Millisecond)
	w = s.snapshot(time.Minute)
	assert.EqualValues(t, 1, requests(w, "/a"))
	a, _ := rowOf(t, w, "GET", "/a")
	assert.EqualValues(t, 1, a.ServerErrors)
	assert.EqualValues(t, 1, requests(s.snapshot(MaxAnalyticsWindow), "/a"))
}

func TestRequestStatsRoutesAreBounded(t *testing.T) {
	t.Parallel()
	s := newRequestStats(nil)
	for i := range maxAnalyticsRoutes + 10 {
		s.record("GET", fmt.Sprintf("/r%d", i), 200, time.Millisecond)
	}
	assert.Len(t, *s.routes.Load(), maxAnalyticsRoutes+1)
	w := s.snapshot(time.Hour)
	assert.Len(t, w.routes, maxAnalyticsRoutes+1)
	over, ok := rowOf(t, w, overflowMethod, overflowRoute)
	require.True(t, ok)
	assert.EqualValues(t, 10, over.Requests)
}

func TestRequestStatsConcurrent(t *testing.T) {
	t.Parallel()
	s := newRequestStats(nil)
	const workers, each = 8, 500
	var wg sync.WaitGroup
	for g := range workers {
		wg.Go(func() {
			for i := range each {
				s.record("GET", fmt.Sprintf("/r%d", (g+i)%3), 200+100*(i%4), time.Duration(i)*time.Microsecond)
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			_ = s.snapshot(time.Hour)
		}
	})
	wg.Wait()
	var total, client, server uint64
	for _, r := range s.snapshot(time.Hour).routes {
		total += r.Requests
		client += r.ClientErrors
		server += r.ServerErrors
	}
	assert.EqualValues(t, workers*each, total)
	assert.EqualValues(t, workers*each/4, client)
	assert.EqualValues(t, workers*each/4, server)
}

// BenchmarkRecorder records from every processor at once over a few routes
// (recordings of one route share its mutex).
func BenchmarkRecorder(b *testing.B) {
	for _, routes := range []int{1, 8} {
		b.Run(fmt.Sprintf("routes=%d", routes), func(b *testing.B) {
			s := newRequestStats(nil)
			names := make([]string, routes)
			for i := range names {
				names[i] = fmt.Sprintf("/api/route/%d", i)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					s.record("GET", names[i%routes], 200, time.Duration(i%5000)*time.Microsecond)
					i++
				}
			})
		})
	}
}
