package ratelimit_test

import (
	"context"
	"os"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/transport/ratelimit"
	"github.com/kpbot/kpbot/transport/ratelimit/ratelimittest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	ratelimittest.TestLimiter(t, func(t *testing.T) auth.RateLimiter { return ratelimit.NewMemory() })
}

func TestMemorySharedConformance(t *testing.T) {
	t.Parallel()
	shared := ratelimit.NewMemory(ratelimit.WithMaxKeys(1024))
	ratelimittest.TestLimiter(t, func(t *testing.T) auth.RateLimiter { return shared })
}

// redisClient connects to KPBOT_TEST_REDIS_URL or skips the test.
func redisClient(t *testing.T) *redis.Client {
	t.Helper()
	url := os.Getenv("KPBOT_TEST_REDIS_URL")
	if url == "" {
		t.Skip("KPBOT_TEST_REDIS_URL is unset; set it (e.g. redis://127.0.0.1:6379/0) to run the Redis limiter tests")
	}
	opts, err := redis.ParseURL(url)
	require.NoError(t, err, "parse KPBOT_TEST_REDIS_URL")
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Ping(context.Background()).Err(), "ping Redis at KPBOT_TEST_REDIS_URL")
	return c
}

func TestRedisConformance(t *testing.T) {
	t.Parallel()
	c := redisClient(t)
	ratelimittest.TestLimiter(t, func(t *testing.T) auth.RateLimiter {
		return ratelimit.NewRedis(c, ratelimit.WithPrefix("kpbot:test:rl:"))
	})
}
