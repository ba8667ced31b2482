package httpapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/ratelimit"
	"github.com/kpbot/kpbot/transport/ratelimit/ratelimittest"
)

func withLimiter(l auth.RateLimiter) testOpt { return func(s *testSetup) { s.deps.Limiter = l } }

// While the limiters' Redis is down, logins work on per-instance limits
// (memory) or answer 503 with Retry-After (closed); never a 500. Once
// Redis is back the limits live there again.
func TestLimiterRedisOutage(t *testing.T) {
	t.Parallel()
	for _, mode := range []ratelimit.FailMode{ratelimit.FailMemory, ratelimit.FailClosed} {
		t.Run(string(mode), func(t *testing.T) {
			t.Parallel()
			rs := ratelimittest.StartRedis(t)
			client := redis.NewClient(&redis.Options{Addr: rs.Addr(), DialTimeout: 500 * time.Millisecond, ContextTimeoutEnabled: true})
			t.Cleanup(func() { _ = client.Close() })
			limiter := ratelimit.NewFallback(ratelimit.NewRedis(client), mode, ratelimit.WithProbeInterval(100*time.Millisecond))
			e := newTestServer(t, dbtest.SQLite(t), withLimiter(limiter),
				withConfig(func(c *Config) { c.AuthRateLimit = 1000 }),
				withAuthConfig(func(c *auth.Config) { c.LoginMaxFailures = 3 }))
			e.register("alice@example.com", "alice-password")

			rs.Stop()
			login := func(email, pw string) *resp {
				return e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": pw})
			}
			switch mode {
			case ratelimit.FailMemory:
				for range 3 {
					requireProblem(t, login("alice@example.com", "wrong-password"), http.StatusUnauthorized)
				}
				r := login("alice@example.com", "wrong-password")
				requireProblem(t, r, http.StatusTooManyRequests)
				assertRetryAfter(t, r)
				e.register("bob@example.com", "bob-password")
				e.login("bob@example.com", "bob-password")
			case ratelimit.FailClosed:
				for _, r := range []*resp{
					login("alice@example.com", "alice-password"),
					login("alice@example.com", "wrong-password"),
					e.do("POST", "/api/auth/register", map[string]string{"email": "bob@example.com", "password": "bob-password"}),
					e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": "x"}),
				} {
					requireProblem(t, r, http.StatusServiceUnavailable)
					assertRetryAfter(t, r)
				}
				assert.Equal(t, http.StatusOK, e.do("GET", "/healthz", nil).status, "routes without limits are unaffected")
				assert.NotContains(t, e.logs.String(), "request failed", "a known outage is not logged as an internal error per request")
			}

			rs.Start()
			require.Eventually(t, func() bool {
				return login("carol@example.com", "wrong-password").status == http.StatusUnauthorized && !limiter.Degraded()
			}, 20*time.Second, 50*time.Millisecond, "logins go back to the Redis limits")
			n, err := client.Exists(context.Background(), ratelimit.DefaultRedisPrefix+"login-failures:carol@example.com").Result()
			require.NoError(t, err)
			assert.EqualValues(t, 1, n, "the failed login was counted in Redis")
			e.login("alice@example.com", "alice-password") // Redis lost the outage's per-instance count
		})
	}
}

// A bare Redis limiter (no Fallback) that cannot reach Redis fails closed
// with 503 and Retry-After on every limited route, never a 500.
func TestBareRedisLimiterUnreachable(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { _ = client.Close() })
	e := newTestServer(t, dbtest.SQLite(t), withLimiter(ratelimit.NewRedis(client)),
		withConfig(func(c *Config) { c.AuthRateLimit = 1000 }))
	for _, r := range []*resp{
		e.do("POST", "/api/auth/register", map[string]string{"email": "bob@example.com", "password": "bob-password"}),
		e.do("POST", "/api/auth/login", map[string]string{"email": "bob@example.com", "password": "bob-password"}),
		e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": "x"}),
	} {
		requireProblem(t, r, http.StatusServiceUnavailable)
		assertRetryAfter(t, r)
	}
}
