package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/ratelimit"
	"github.com/kpbot/kpbot/transport/ratelimit/ratelimittest"
)

// startInstance builds the real server from env, serves it on a loopback
// port and returns the App too, for tests that reach past HTTP.
func startInstance(t *testing.T, env map[string]string) (a *App, baseURL string, logs *bytes.Buffer) {
	t.Helper()
	cfg, err := LoadConfig(nil, envOf(env))
	require.NoError(t, err)
	logs = &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	a, cleanup, err := Build(ctx, cfg, logger)
	require.NoError(t, err, "the server starts")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		assert.NoError(t, <-done, "graceful shutdown")
		cleanup()
	})
	return a, "http://" + ln.Addr().String(), logs
}

func TestRedisFailModeConfig(t *testing.T) {
	c, err := LoadConfig(nil, envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, "memory", c.RedisFailMode)
	c, err = LoadConfig([]string{"-redis-fail-mode", "closed"}, envOf(map[string]string{"KPBOT_REDIS_FAIL_MODE": "memory"}))
	require.NoError(t, err)
	assert.Equal(t, "closed", c.RedisFailMode, "a flag wins over its variable")
	_, err = LoadConfig(nil, envOf(map[string]string{"KPBOT_REDIS_FAIL_MODE": "open"}))
	assert.ErrorContains(t, err, "KPBOT_REDIS_FAIL_MODE")
}

// An instance started while its Redis is down starts and serves; logins
// (with the per-account failed-login limit, and per-IP limits off) keep
// working on this instance's memory, or answer 503 in closed mode; once
// Redis starts the limits live in Redis again.
func TestServerStartsAndLogsInWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"memory", "closed"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			rs := ratelimittest.StartRedis(t)
			rs.Stop()
			_, base, logs := startInstance(t, map[string]string{
				"KPBOT_DATABASE_URL":       "file:" + filepath.Join(t.TempDir(), "kpbot.db"),
				"KPBOT_REDIS_URL":          rs.URL(),
				"KPBOT_REDIS_FAIL_MODE":    mode,
				"KPBOT_BCRYPT_COST":        "4",
				"KPBOT_AUTH_RATE_LIMIT":    "0",
				"KPBOT_LOGIN_MAX_FAILURES": "3",
			})
			resp, _ := do(t, mustReq(t, http.MethodGet, base+"/readyz"))
			assert.Equal(t, http.StatusOK, resp.StatusCode, "Redis is not needed to be ready")
			resp, reg := postJSON(t, base+"/api/auth/register", "", map[string]any{"email": "u@example.com", "password": "user password"})
			require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", reg)
			login := func(email, pw string) *http.Response {
				resp, _ := postJSON(t, base+"/api/auth/login", "", map[string]any{"email": email, "password": pw})
				return resp
			}

			switch mode {
			case "memory":
				require.Equal(t, http.StatusOK, login("u@example.com", "user password").StatusCode)
				for range 3 {
					require.Equal(t, http.StatusUnauthorized, login("v@example.com", "wrong password").StatusCode)
				}
				resp := login("v@example.com", "wrong password")
				require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, "the failed-login limit holds in memory")
				assert.NotEmpty(t, resp.Header.Get("Retry-After"))
			case "closed":
				for range 3 {
					resp := login("u@example.com", "user password")
					require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
					assert.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
					assert.Equal(t, "2", resp.Header.Get("Retry-After"), "the limiter's probe interval")
				}
			}
			assert.Equal(t, 1, strings.Count(logs.String(), "shared store unreachable"), "one warning per outage: %s", logs)
			assert.NotContains(t, logs.String(), `"status":500`)

			rs.Start()
			c := redis.NewClient(&redis.Options{Addr: rs.Addr()})
			defer func() { _ = c.Close() }()
			require.Eventually(t, func() bool {
				if login("w@example.com", "wrong password").StatusCode != http.StatusUnauthorized {
					return false
				}
				n, err := c.Exists(context.Background(), ratelimit.DefaultRedisPrefix+"login-failures:w@example.com").Result()
				return err == nil && n == 1
			}, 20*time.Second, 50*time.Millisecond, "once Redis is back, failed logins are counted there")
			require.Equal(t, http.StatusOK, login("u@example.com", "user password").StatusCode)
			assert.Contains(t, logs.String(), "answers again")
		})
	}
}

// Two instances on one PostgreSQL with their Redis down: events published
// on one reach a WebSocket on the other, and a logout on one is refused by
// the other although its session cache would keep the session for an hour.
func TestEventsCrossInstancesWhileRedisIsDown(t *testing.T) {
	t.Parallel()
	dsn := dbtest.PostgresDSN(t)
	rs := ratelimittest.StartRedis(t)
	rs.Stop()
	env := map[string]string{
		"KPBOT_DATABASE_URL":       dsn,
		"KPBOT_JWT_SECRET":         strings.Repeat("s", 40),
		"KPBOT_REDIS_URL":          rs.URL(),
		"KPBOT_BCRYPT_COST":        "4",
		"KPBOT_SESSION_CACHE_TTL":  "1h",
		"KPBOT_AUTH_RATE_LIMIT":    "0",
		"KPBOT_LOGIN_MAX_FAILURES": "4",
	}
	a, baseA, _ := startInstance(t, env)
	_, baseB, _ := startInstance(t, env)

	resp, reg := postJSON(t, baseA+"/api/auth/register", "", map[string]any{"email": "u@example.com", "password": "user password"})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", reg)
	userID := reg["user"].(map[string]any)["id"].(string)
	resp, login := postJSON(t, baseB+"/api/auth/login", "", map[string]any{"email": "u@example.com", "password": "user password"})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", login)
	token := login["access_token"].(string)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(baseB, "http")+"/api/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	require.NoError(t, err)
	defer conn.CloseNow()
	require.NoError(t, wsjson.Write(ctx, conn, map[string]any{"type": "subscribe", "topics": []string{"user"}}))
	var msg map[string]any
	require.NoError(t, wsjson.Read(ctx, conn, &msg))
	require.Equal(t, "subscribed", msg["type"], "%v", msg)

	// Published on A after B's socket subscribed: only the bus tells B.
	_, err = a.Events.Publisher.Publish(ctx, events.Notification, map[string]any{"title": "hello from A"}, events.UserTopic(userID))
	require.NoError(t, err)
	for msg["type"] != "event" {
		msg = nil
		require.NoError(t, wsjson.Read(ctx, conn, &msg), "the event crosses instances while Redis is down")
	}
	assert.Equal(t, "user", msg["topic"])
	assert.Equal(t, events.Notification, msg["event"])
	assert.Contains(t, msg["data"], "title")

	me := func(base string) int {
		req := mustReq(t, http.MethodGet, base+"/api/auth/me")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, _ := do(t, req)
		return resp.StatusCode
	}
	require.Equal(t, http.StatusOK, me(baseA), "A caches the live session")
	resp, _ = postJSON(t, baseB+"/api/auth/logout", token, map[string]any{})
	require.Equal(t, http.StatusNoContent, resp.StatusCode)
	require.Eventually(t, func() bool { return me(baseA) == http.StatusUnauthorized }, 10*time.Second, 20*time.Millisecond,
		"the revocation crosses instances on the database's bus, not the hour-long cache")

	// Redis comes back: both instances share the failed-login limit again.
	rs.Start()
	c := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer func() { _ = c.Close() }()
	loginStatus := func(base, email string) int {
		resp, _ := postJSON(t, base+"/api/auth/login", "", map[string]any{"email": email, "password": "wrong password"})
		return resp.StatusCode
	}
	for _, base := range []string{baseA, baseB} {
		require.Eventually(t, func() bool {
			email := "probe-" + strings.ToLower(rand.Text()[:8]) + "@example.com"
			if loginStatus(base, email) != http.StatusUnauthorized {
				return false
			}
			n, err := c.Exists(context.Background(), ratelimit.DefaultRedisPrefix+"login-failures:"+email).Result()
			return err == nil && n == 1
		}, 20*time.Second, 50*time.Millisecond, "%s counts failures in Redis again", base)
	}
	for _, base := range []string{baseA, baseB, baseA, baseB} {
		require.Equal(t, http.StatusUnauthorized, loginStatus(base, "shared@example.com"))
	}
	assert.Equal(t, http.StatusTooManyRequests, loginStatus(baseA, "shared@example.com"), "two failures on each instance make four")
	assert.Equal(t, http.StatusTooManyRequests, loginStatus(baseB, "shared@example.com"))
}
