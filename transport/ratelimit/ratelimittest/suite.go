// Package ratelimittest is the conformance suite every auth.RateLimiter
// adapter runs: call TestLimiter from the adapter's own test.
package ratelimittest

import (
	"context"
	"crypto/rand"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
)

// TestLimiter runs every scenario against limiters from newLimiter, which
// is called once per scenario. Scenarios run in parallel, each on its own
// random key, so they may share one backend. Two wait for a short window
// to pass; the longest wait is about 0.55 s.
func TestLimiter(t *testing.T, newLimiter func(t *testing.T) auth.RateLimiter) {
	t.Helper()
	run := rand.Text()[:12]
	scenarios := []struct {
		name string
		fn   func(t *testing.T, l auth.RateLimiter, key string)
	}{
		{"BurstThenDenied", testBurst},
		{"SingleEvent", testSingleEvent},
		{"PeekDoesNotConsume", testPeek},
		{"KeysAreIndependent", testIndependentKeys},
		{"RecoversAfterRetryAfter", testRecovery},
		{"FullBurstAfterIdleWindow", testIdleWindow},
		{"ConcurrentAllowAdmitsExactlyEvents", testConcurrent},
		{"InvalidLimitRefused", testInvalidLimit},
		{"CancelledContext", testCancelled},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.fn(t, newLimiter(t), "rltest:"+run+":"+sc.name)
		})
	}
}

func allow(t *testing.T, l auth.RateLimiter, key string, lim auth.Limit) auth.Decision {
	t.Helper()
	d, err := l.Allow(context.Background(), key, lim)
	require.NoError(t, err)
	return d
}

func peek(t *testing.T, l auth.RateLimiter, key string, lim auth.Limit) auth.Decision {
	t.Helper()
	d, err := l.Peek(context.Background(), key, lim)
	require.NoError(t, err)
	return d
}

// requireDenied checks a refusal and its RetryAfter bounds.
func requireDenied(t *testing.T, d auth.Decision, lim auth.Limit, what string) {
	t.Helper()
	require.False(t, d.Allowed, "%s: want denied", what)
	require.Positive(t, d.RetryAfter, "%s: RetryAfter", what)
	require.LessOrEqual(t, d.RetryAfter, lim.Window, "%s: RetryAfter beyond the window", what)
}

func testBurst(t *testing.T, l auth.RateLimiter, key string) {
	lim := auth.Limit{Events: 5, Window: time.Minute}
	for i := range lim.Events {
		d := allow(t, l, key, lim)
		require.True(t, d.Allowed, "event %d of the burst", i+1)
		assert.Zero(t, d.RetryAfter, "an allowed decision has no RetryAfter")
	}
	for range 3 {
		requireDenied(t, allow(t, l, key, lim), lim, "over the burst")
	}
}

func testSingleEvent(t *testing.T, l auth.RateLimiter, key string) {
	lim := auth.Limit{Events: 1, Window: time.Minute}
	require.True(t, allow(t, l, key, lim).Allowed)
	d := allow(t, l, key, lim)
	requireDenied(t, d, lim, "second of one")
	assert.Greater(t, d.RetryAfter, lim.Window-10*time.Second, "one event per minute waits about a minute")
}

func testPeek(t *testing.T, l auth.RateLimiter, key string) {
	lim := auth.Limit{Events: 3, Window: time.Minute}
	for range 10 {
		require.True(t, peek(t, l, key, lim).Allowed, "peek on a fresh key")
	}
	for i := range lim.Events {
		require.True(t, allow(t, l, key, lim).Allowed, "peeks consumed nothing: event %d", i+1)
	}
	first := peek(t, l, key, lim)
	requireDenied(t, first, lim, "peek when full")
	for range 5 {
		requireDenied(t, peek(t, l, key, lim), lim, "repeated peek")
	}
	for range 3 {
		d := allow(t, l, key, lim)
		requireDenied(t, d, lim, "allow when full")
		assert.LessOrEqual(t, d.RetryAfter, first.RetryAfter, "peeks and refusals must not push the wait back")
	}
}

func testIndependentKeys(t *testing.T, l auth.RateLimiter, key string) {
	lim := auth.Limit{Events: 2, Window: time.Minute}
	for range lim.Events {
		require.True(t, allow(t, l, key+":a", lim).Allowed)
	}
	requireDenied(t, allow(t, l, key+":a", lim), lim, "key a exhausted")
	for i := range lim.Events {
		require.True(t, allow(t, l, key+":b", lim).Allowed, "key b event %d", i+1)
	}
	require.True(t, peek(t, l, key+":c", lim).Allowed)
	requireDenied(t, peek(t, l, key+":a", lim), lim, "key a still exhausted")
}

// interval is the GCRA emission interval of lim.
func interval(lim auth.Limit) time.Duration { return lim.Window / time.Duration(lim.Events) }

// burst calls Allow on a fresh or idle key until the first refusal, which
// it checks and returns with the time just before that call. Exactly
// lim.Events must fit when the calls took less than one emission interval;
// on a machine that stalled longer, later events legitimately fit too, so
// only the looser bound is checked then.
func burst(t *testing.T, l auth.RateLimiter, key string, lim auth.Limit) (auth.Decision, time.Time) {
	t.Helper()
	start := time.Now()
	for n := 0; ; n++ {
		before := time.Now()
		d := allow(t, l, key, lim)
		if d.Allowed {
			require.LessOrEqual(t, n+1, lim.Events+int(time.Since(start)/interval(lim)), "too many events fitted")
			continue
		}
		requireDenied(t, d, lim, "after the burst")
		if elapsed := time.Since(start); elapsed < interval(lim) {
			require.Equal(t, lim.Events, n, "events in a burst")
		} else {
			require.GreaterOrEqual(t, n, lim.Events, "events in a burst")
			t.Logf("burst took %s, over one interval; checked loosely", elapsed)
		}
		return d, before
	}
}

func testRecovery(t *testing.T, l auth.RateLimiter, key string) {
	lim := auth.Limit{Events: 2, Window: time.Second}
	d, deniedAt := burst(t, l, key, lim)
	time.Sleep(d.RetryAfter + 40*time.Millisecond)
	require.True(t, peek(t, l, key, lim).Allowed, "peek after RetryAfter")
	require.True(t, allow(t, l, key, lim).Allowed, "allow after RetryAfter")
	again := allow(t, l, key, lim)
	// The last event was due at the refusal plus RetryAfter; the next one
	// is refused until a further interval has passed.
	if elapsed := time.Since(deniedAt); elapsed < d.RetryAfter+interval(lim) {
		requireDenied(t, again, lim, "only one more fits")
	} else {
		t.Logf("calls took %s; skipped the check that only one more fits", elapsed)
	}
}

func testIdleWindow(t *testing.T, l auth.RateLimiter, key string) {
	lim := auth.Limit{Events: 3, Window: 300 * time.Millisecond}
	burst(t, l, key, lim)
	time.Sleep(lim.Window + 40*time.Millisecond)
	burst(t, l, key, lim) // a whole idle window restores the full burst
}

func testConcurrent(t *testing.T, l auth.RateLimiter, key string) {
	lim := auth.Limit{Events: 10, Window: time.Minute}
	var allowed, denied atomic.Int32
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			<-start
			d, err := l.Allow(context.Background(), key, lim)
			switch {
			case err != nil:
				errs <- err
			case d.Allowed:
				allowed.Add(1)
			default:
				denied.Add(1)
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	assert.EqualValues(t, lim.Events, allowed.Load(), "allowed")
	assert.EqualValues(t, 50-lim.Events, denied.Load(), "denied")
}

func testInvalidLimit(t *testing.T, l auth.RateLimiter, key string) {
	for _, lim := range []auth.Limit{{Events: 0, Window: time.Minute}, {Events: -1, Window: time.Minute}, {Events: 3, Window: 0}, {Events: 3, Window: -time.Second}} {
		_, err := l.Allow(context.Background(), key, lim)
		assert.Error(t, err, "Allow %+v", lim)
		_, err = l.Peek(context.Background(), key, lim)
		assert.Error(t, err, "Peek %+v", lim)
	}
}

func testCancelled(t *testing.T, l auth.RateLimiter, key string) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	lim := auth.Limit{Events: 1, Window: time.Minute}
	_, err := l.Allow(ctx, key, lim)
	require.ErrorIs(t, err, context.Canceled)
	_, err = l.Peek(ctx, key, lim)
	require.ErrorIs(t, err, context.Canceled)
	require.True(t, allow(t, l, key, lim).Allowed, "a cancelled call recorded nothing")
}
