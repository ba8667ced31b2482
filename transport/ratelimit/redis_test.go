package ratelimit_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/transport/ratelimit"
)

func TestRedisKeysArePrefixedAndExpire(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := redisClient(t)
	prefix := "kpbot:test:rl:" + rand.Text()[:8] + ":"
	r := ratelimit.NewRedis(c, ratelimit.WithPrefix(prefix))
	lim := auth.Limit{Events: 2, Window: 10 * time.Second}

	_, err := r.Peek(ctx, "user@example.com", lim)
	require.NoError(t, err)
	n, err := c.Exists(ctx, prefix+"user@example.com").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "Peek writes nothing")

	d, err := r.Allow(ctx, "user@example.com", lim)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	ttl, err := c.PTTL(ctx, prefix+"user@example.com").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, time.Duration(0))
	assert.LessOrEqual(t, ttl, 5*time.Second, "one event is forgotten after one interval")

	d, err = r.Allow(ctx, "user@example.com", lim)
	require.NoError(t, err)
	require.True(t, d.Allowed)
	ttl, err = c.PTTL(ctx, prefix+"user@example.com").Result()
	require.NoError(t, err)
	assert.Greater(t, ttl, 5*time.Second)
	assert.LessOrEqual(t, ttl, lim.Window)
	t.Cleanup(func() { c.Del(context.Background(), prefix+"user@example.com") })
}

func TestRedisDefaultPrefix(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := redisClient(t)
	key := "test-default-prefix:" + rand.Text()
	_, err := ratelimit.NewRedis(c).Allow(ctx, key, auth.Limit{Events: 1, Window: time.Second})
	require.NoError(t, err)
	n, err := c.Exists(ctx, ratelimit.DefaultRedisPrefix+key).Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n)
	c.Del(ctx, ratelimit.DefaultRedisPrefix+key)
}

func TestRedisErrorsAreWrapped(t *testing.T) {
	t.Parallel()
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = c.Close() })
	r := ratelimit.NewRedis(c)
	_, err := r.Allow(context.Background(), "k", auth.Limit{Events: 1, Window: time.Second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `ratelimit: redis decide "k"`)
	var ue *auth.UnavailableError
	require.ErrorAs(t, err, &ue, "an unreachable Redis cannot decide: a 503, not a 500")
	assert.Equal(t, ratelimit.RedisRetryAfter, ue.RetryAfter)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = r.Allow(ctx, "k", auth.Limit{Events: 1, Window: time.Second})
	require.ErrorIs(t, err, context.Canceled)
	assert.False(t, errors.As(err, &ue), "the caller gave up: Redis is not to blame")

	_, err = r.Peek(context.Background(), "k", auth.Limit{Events: 0, Window: time.Second})
	assert.ErrorIs(t, err, ratelimit.ErrInvalidLimit, "the limit is checked before any round trip")
}
