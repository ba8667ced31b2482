package ratelimit_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/transport/ratelimit"
)

func TestMemoryGCRAArithmetic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := authtest.NewClock(time.Time{})
	m := ratelimit.NewMemory(ratelimit.WithClock(clock.Now))
	lim := auth.Limit{Events: 3, Window: 3 * time.Second} // one per second, burst 3

	for range 3 {
		d, err := m.Allow(ctx, "k", lim)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	d, err := m.Allow(ctx, "k", lim)
	require.NoError(t, err)
	assert.Equal(t, auth.Decision{RetryAfter: time.Second}, d)

	clock.Advance(400 * time.Millisecond)
	d, err = m.Peek(ctx, "k", lim)
	require.NoError(t, err)
	assert.Equal(t, auth.Decision{RetryAfter: 600 * time.Millisecond}, d)

	clock.Advance(600 * time.Millisecond)
	d, err = m.Allow(ctx, "k", lim)
	require.NoError(t, err)
	assert.True(t, d.Allowed, "one more fits after T")
	d, err = m.Allow(ctx, "k", lim)
	require.NoError(t, err)
	assert.Equal(t, auth.Decision{RetryAfter: time.Second}, d)

	clock.Advance(3 * time.Second)
	for i := range 3 {
		d, err := m.Allow(ctx, "k", lim)
		require.NoError(t, err)
		assert.True(t, d.Allowed, "burst restored after an idle window: %d", i)
	}
}

func TestMemorySweepsStaleKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := authtest.NewClock(time.Time{})
	m := ratelimit.NewMemory(ratelimit.WithClock(clock.Now))
	lim := auth.Limit{Events: 5, Window: time.Second}
	for i := range 2000 {
		_, err := m.Allow(ctx, fmt.Sprint("old-", i), lim)
		require.NoError(t, err)
	}
	require.Equal(t, 2000, m.Len())
	clock.Advance(time.Second) // every old key is now stale
	for i := range 4000 {
		_, err := m.Allow(ctx, fmt.Sprint("new-", i), lim)
		require.NoError(t, err)
	}
	assert.LessOrEqual(t, m.Len(), 4000+64, "stale keys are swept by later writes")
}

func TestMemoryIsBounded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := authtest.NewClock(time.Time{})
	const maxKeys = 320 // 10 per shard
	m := ratelimit.NewMemory(ratelimit.WithClock(clock.Now), ratelimit.WithMaxKeys(maxKeys))
	lim := auth.Limit{Events: 1, Window: time.Hour} // nothing goes stale
	for i := range 10 * maxKeys {
		d, err := m.Allow(ctx, fmt.Sprint("flood-", i), lim)
		require.NoError(t, err)
		require.True(t, d.Allowed)
		require.LessOrEqual(t, m.Len(), maxKeys)
	}
	assert.Greater(t, m.Len(), maxKeys/2, "a full limiter keeps most of its keys")
}

func TestMemoryPeekAndDenialStoreNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := ratelimit.NewMemory()
	lim := auth.Limit{Events: 1, Window: time.Hour}
	_, err := m.Peek(ctx, "peeked", lim)
	require.NoError(t, err)
	assert.Zero(t, m.Len(), "Peek stores nothing")
	_, err = m.Allow(ctx, "k", lim)
	require.NoError(t, err)
	d, err := m.Allow(ctx, "k", lim)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	assert.Equal(t, 1, m.Len())
}

func TestMemoryInvalidLimitWrapsSentinel(t *testing.T) {
	t.Parallel()
	_, err := ratelimit.NewMemory().Allow(context.Background(), "k", auth.Limit{})
	assert.ErrorIs(t, err, ratelimit.ErrInvalidLimit)
}

func BenchmarkMemoryAllow(b *testing.B) {
	m := ratelimit.NewMemory()
	lim := auth.Limit{Events: 1000, Window: time.Second}
	keys := make([]string, 1024)
	for i := range keys {
		keys[i] = fmt.Sprint("bench-", i)
	}
	var next atomic.Uint64
	ctx := context.Background()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := next.Add(1) * 7919
		for pb.Next() {
			i++
			if _, err := m.Allow(ctx, keys[i%uint64(len(keys))], lim); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
