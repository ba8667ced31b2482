package ratelimit_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/transport/ratelimit"
	"github.com/kpbot/kpbot/transport/ratelimit/ratelimittest"
)

// deadRedis is a client of a port nobody listens on, failing fast.
func deadRedis(t *testing.T) *redis.Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, DialerRetries: 1, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func bufLogger() (*slog.Logger, *syncBuffer) {
	buf := &syncBuffer{}
	return slog.New(slog.NewJSONHandler(buf, nil)), buf
}

func TestFallbackConformance(t *testing.T) {
	t.Parallel()
	c := redisClient(t)
	ratelimittest.TestLimiter(t, func(t *testing.T) auth.RateLimiter {
		return ratelimit.NewFallback(ratelimit.NewRedis(c, ratelimit.WithPrefix("kpbot:test:rl:")), ratelimit.FailMemory)
	})
}

// While the shared store is down, FailMemory is a conforming limiter of
// its own.
func TestFallbackConformanceWhileDown(t *testing.T) {
	t.Parallel()
	c := deadRedis(t)
	ratelimittest.TestLimiter(t, func(t *testing.T) auth.RateLimiter {
		f := ratelimit.NewFallback(ratelimit.NewRedis(c), ratelimit.FailMemory, ratelimit.WithProbeInterval(time.Hour))
		require.Error(t, f.Probe(context.Background()), "the shared store is down")
		require.True(t, f.Degraded())
		return f
	})
}

func TestParseFailMode(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]ratelimit.FailMode{"memory": ratelimit.FailMemory, "closed": ratelimit.FailClosed} {
		got, err := ratelimit.ParseFailMode(in)
		require.NoError(t, err)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "open", "Memory", "closed "} {
		_, err := ratelimit.ParseFailMode(bad)
		assert.Error(t, err, "%q", bad)
	}
}

// redisKeyExists reports whether the limiter wrote key in Redis.
func redisKeyExists(t *testing.T, addr, key string) bool {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer func() { _ = c.Close() }()
	n, err := c.Exists(context.Background(), ratelimit.DefaultRedisPrefix+key).Result()
	require.NoError(t, err)
	return n == 1
}

func TestFallbackMemoryModeThroughAnOutage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := ratelimittest.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 500 * time.Millisecond, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	logger, logs := bufLogger()
	f := ratelimit.NewFallback(ratelimit.NewRedis(c), ratelimit.FailMemory,
		ratelimit.WithProbeInterval(50*time.Millisecond), ratelimit.WithFallbackLogger(logger))
	lim := auth.Limit{Events: 3, Window: time.Minute}

	d, err := f.Allow(ctx, "before", lim)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	assert.True(t, redisKeyExists(t, srv.Addr(), "before"), "while Redis answers, limits live there")
	assert.False(t, f.Degraded())

	srv.Stop()
	// Limits still hold during the outage, per instance.
	for i := range lim.Events {
		d, err := f.Allow(ctx, "during", lim)
		require.NoError(t, err, "event %d: an outage is never an error in memory mode", i+1)
		require.True(t, d.Allowed, "event %d", i+1)
	}
	for range 20 {
		d, err := f.Allow(ctx, "during", lim)
		require.NoError(t, err)
		require.False(t, d.Allowed, "the fourth event is refused from memory")
		require.Positive(t, d.RetryAfter)
	}
	assert.True(t, f.Degraded())
	assert.Equal(t, 1, strings.Count(logs.String(), "shared store unreachable"), "one warning per outage, not per call: %s", logs)

	srv.Start()
	require.Eventually(t, func() bool {
		d, err := f.Allow(ctx, "after", lim)
		return err == nil && d.Allowed && !f.Degraded()
	}, 20*time.Second, 20*time.Millisecond, "the limiter goes back to Redis once it answers")
	assert.True(t, redisKeyExists(t, srv.Addr(), "after"), "limits are back in Redis")
	assert.Equal(t, 1, strings.Count(logs.String(), "answers again"), "%s", logs)
	assert.Equal(t, 1, strings.Count(logs.String(), "shared store unreachable"), "%s", logs)

	// A second outage is reported again.
	srv.Stop()
	_, err = f.Allow(ctx, "second", lim)
	require.NoError(t, err)
	assert.Equal(t, 2, strings.Count(logs.String(), "shared store unreachable"), "%s", logs)
}

func TestFallbackClosedModeRefusesWhileDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := ratelimittest.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: srv.Addr(), DialTimeout: 500 * time.Millisecond, ContextTimeoutEnabled: true})
	t.Cleanup(func() { _ = c.Close() })
	f := ratelimit.NewFallback(ratelimit.NewRedis(c), ratelimit.FailClosed, ratelimit.WithProbeInterval(3*time.Second))
	lim := auth.Limit{Events: 3, Window: time.Minute}
	d, err := f.Allow(ctx, "k", lim)
	require.NoError(t, err)
	require.True(t, d.Allowed)

	srv.Stop()
	for range 5 {
		_, err := f.Peek(ctx, "k", lim)
		var ue *auth.UnavailableError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, 3*time.Second, ue.RetryAfter, "Retry-After is the probe interval")
		_, err = f.Allow(ctx, "k", lim)
		require.ErrorAs(t, err, &ue)
	}
	srv.Start()
	require.Eventually(t, func() bool { return f.Probe(ctx) == nil }, 20*time.Second, 20*time.Millisecond, "an explicit probe ends the outage")
	d, err = f.Allow(ctx, "k", lim)
	require.NoError(t, err)
	assert.True(t, d.Allowed, "one event of three was recorded before the outage (Redis kept nothing across the restart)")
	assert.True(t, redisKeyExists(t, srv.Addr(), "k"))
}

// A server that accepts connections and never answers (a hung or
// blackholed Redis) is an outage too, bounded by the call timeout.
func TestFallbackHungServer(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns sync.WaitGroup
	held := make(chan net.Conn, 64)
	conns.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			held <- conn // read nothing, answer nothing
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		conns.Wait()
		close(held)
		for conn := range held {
			_ = conn.Close()
		}
	})
	c := redis.NewClient(&redis.Options{Addr: ln.Addr().String(), ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	f := ratelimit.NewFallback(ratelimit.NewRedis(c), ratelimit.FailMemory,
		ratelimit.WithCallTimeout(100*time.Millisecond), ratelimit.WithProbeInterval(time.Hour))
	lim := auth.Limit{Events: 1, Window: time.Minute}
	d, err := f.Allow(context.Background(), "k", lim)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
	assert.True(t, f.Degraded(), "the timed-out call marked the store down")
	d, err = f.Allow(context.Background(), "k", lim)
	require.NoError(t, err)
	assert.False(t, d.Allowed, "the event was recorded in memory")
}

// countingLimiter counts the calls that reach the limiter it wraps.
type countingLimiter struct {
	auth.RateLimiter
	calls atomic.Int32
}

func (c *countingLimiter) Allow(ctx context.Context, key string, l auth.Limit) (auth.Decision, error) {
	c.calls.Add(1)
	return c.RateLimiter.Allow(ctx, key, l)
}

func (c *countingLimiter) Peek(ctx context.Context, key string, l auth.Limit) (auth.Decision, error) {
	c.calls.Add(1)
	return c.RateLimiter.Peek(ctx, key, l)
}

func TestFallbackProbesAtMostOncePerInterval(t *testing.T) {
	t.Parallel()
	shared := &countingLimiter{RateLimiter: ratelimit.NewRedis(deadRedis(t))}
	f := ratelimit.NewFallback(shared, ratelimit.FailMemory, ratelimit.WithProbeInterval(time.Hour))
	lim := auth.Limit{Events: 1000, Window: time.Minute}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 25 {
				_, err := f.Allow(context.Background(), "k", lim)
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	assert.True(t, f.Degraded())
	// Calls that started before the first failure was known may each try;
	// after it, none until the probe interval passes.
	before := shared.calls.Load()
	assert.LessOrEqual(t, before, int32(8))
	for range 100 {
		_, err := f.Peek(context.Background(), "k", lim)
		require.NoError(t, err)
	}
	assert.Equal(t, before, shared.calls.Load(), "a degraded limiter does not ask the dead store on every call")
}

func TestFallbackCallerErrorsAreNotOutages(t *testing.T) {
	t.Parallel()
	c := redisClient(t)
	f := ratelimit.NewFallback(ratelimit.NewRedis(c, ratelimit.WithPrefix("kpbot:test:rl:")), ratelimit.FailClosed)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.Allow(ctx, "k", auth.Limit{Events: 1, Window: time.Second})
	require.ErrorIs(t, err, context.Canceled)
	_, err = f.Allow(context.Background(), "k", auth.Limit{Events: 1, Window: 10 * time.Nanosecond})
	require.ErrorIs(t, err, ratelimit.ErrInvalidLimit, "Redis refuses a window under a microsecond")
	var ue *auth.UnavailableError
	assert.False(t, errors.As(err, &ue))
	assert.False(t, f.Degraded(), "neither a cancelled caller nor a bad limit is an outage")
	key := "caller-errors:" + rand.Text()
	d, err := f.Allow(context.Background(), key, auth.Limit{Events: 1, Window: time.Second})
	require.NoError(t, err)
	assert.True(t, d.Allowed)
}
