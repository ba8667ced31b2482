package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// startApp wires the real server from env and serves it on a loopback port.
func startApp(t *testing.T, env map[string]string) (baseURL string, logs *bytes.Buffer, stop func() error) {
	t.Helper()
	cfg, err := LoadConfig(nil, envOf(env))
	require.NoError(t, err)
	logs = &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	a, cleanup, err := Build(ctx, cfg, logger)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	var once bool
	stop = func() error {
		if once {
			return nil
		}
		once = true
		cancel()
		err := <-done
		cleanup()
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return "http://" + ln.Addr().String(), logs, stop
}

func postJSON(t *testing.T, url, token string, body any) (*http.Response, map[string]any) {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(http.MethodPost, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (*http.Response, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out map[string]any
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out)
	}
	return resp, out
}

func TestServerEndToEnd(t *testing.T) {
	dbs := map[string]func(t *testing.T) map[string]string{
		"sqlite": func(t *testing.T) map[string]string {
			return map[string]string{"KPBOT_DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "kpbot.db")}
		},
		"postgres": func(t *testing.T) map[string]string {
			return map[string]string{
				"KPBOT_DATABASE_URL": dbtest.PostgresDSN(t),
				"KPBOT_JWT_SECRET":   strings.Repeat("s", 40),
			}
		},
		"postgres+redis": func(t *testing.T) map[string]string {
			redisURL := os.Getenv("KPBOT_TEST_REDIS_URL")
			if redisURL == "" {
				t.Skip("KPBOT_TEST_REDIS_URL is not set: skipping the server on PostgreSQL with Redis rate limits")
			}
			return map[string]string{
				"KPBOT_DATABASE_URL": dbtest.PostgresDSN(t),
				"KPBOT_JWT_SECRET":   strings.Repeat("s", 40),
				"KPBOT_REDIS_URL":    redisURL,
			}
		},
	}
	for name, mk := range dbs {
		t.Run(name, func(t *testing.T) {
			env := mk(t)
			env["KPBOT_BCRYPT_COST"] = "4"
			env["KPBOT_FETCH_ALLOW_PRIVATE"] = "true" // the test blogs live on loopback
			env["KPBOT_FETCH_DELAY"] = "0s"
			env["KPBOT_HTTP_READ_TIMEOUT"] = "1s"
			env["KPBOT_ADMIN_EMAIL"] = "Admin@Example.com"
			env["KPBOT_ADMIN_PASSWORD"] = "admin password 1"
			base, logs, stop := startApp(t, env)

			resp, _ := do(t, mustReq(t, http.MethodGet, base+"/readyz"))
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			resp, spec := do(t, mustReq(t, http.MethodGet, base+"/openapi.json"))
			require.Equal(t, http.StatusOK, resp.StatusCode)
			paths := spec["paths"].(map[string]any)
			for _, p := range []string{"/api/auth/register", "/api/admin/users", "/api/campaigns/{id}/runs", "/api/agents",
				"/api/notifications", "/api/events", "/api/ws", "/api/admin/analytics", "/healthz", "/readyz"} {
				assert.Contains(t, paths, p, "the OpenAPI document lists %s", p)
			}

			resp, _ = postJSON(t, base+"/api/auth/register", "", map[string]any{"email": "u@example.com", "password": "user password", "role": "admin"})
			assert.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "a role in the body is refused")
			resp, reg := postJSON(t, base+"/api/auth/register", "", map[string]any{"email": "u@example.com", "password": "user password"})
			require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", reg)
			user := reg["user"].(map[string]any)
			assert.Equal(t, "user", user["role"])

			resp, login := postJSON(t, base+"/api/auth/login", "", map[string]any{"email": "admin@example.com", "password": "admin password 1"})
			require.Equal(t, http.StatusOK, resp.StatusCode, "the bootstrap admin can log in: %v", login)
			adminToken := login["access_token"].(string)
			req := mustReq(t, http.MethodGet, base+"/api/admin/users")
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, list := do(t, req)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Len(t, list["items"], 2)

			resp, pair := postJSON(t, base+"/api/auth/refresh", "", map[string]any{"refresh_token": reg["refresh_token"]})
			require.Equal(t, http.StatusOK, resp.StatusCode)
			meReq := func(tok string) int {
				req := mustReq(t, http.MethodGet, base+"/api/auth/me")
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, _ := do(t, req)
				return resp.StatusCode
			}
			require.Equal(t, http.StatusOK, meReq(pair["access_token"].(string)), "and now it is in the session cache")
			resp, _ = postJSON(t, base+"/api/auth/logout", pair["access_token"].(string), map[string]any{})
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			assert.Equal(t, http.StatusUnauthorized, meReq(pair["access_token"].(string)), "logout beats the session cache")
			resp, _ = postJSON(t, base+"/api/auth/refresh", "", map[string]any{"refresh_token": pair["refresh_token"]})
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

			// A campaign run through the wired crew, River queue and event log.
			corpus := webtest.NewCorpus(t)
			resp, camp := postJSON(t, base+"/api/campaigns", adminToken, map[string]any{
				"name": "wired", "keywords": []string{"postgres", "index", "query"}, "seed_urls": corpus.SeedURLs()[:2],
			})
			require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", camp)
			resp, run := postJSON(t, base+"/api/campaigns/"+camp["id"].(string)+"/runs", adminToken, nil)
			require.Equal(t, http.StatusAccepted, resp.StatusCode, "%v", run)
			require.Eventually(t, func() bool {
				req := mustReq(t, http.MethodGet, base+"/api/runs/"+run["id"].(string))
				req.Header.Set("Authorization", "Bearer "+adminToken)
				_, got := do(t, req)
				run = got
				return got["status"] != "queued" && got["status"] != "running"
			}, 90*time.Second, 200*time.Millisecond)
			require.Equal(t, "succeeded", run["status"], "%v", run)
			req = mustReq(t, http.MethodGet, base+"/api/campaigns/"+camp["id"].(string)+"/prospects")
			req.Header.Set("Authorization", "Bearer "+adminToken)
			_, prospects := do(t, req)
			assert.NotEmpty(t, prospects["items"])
			req = mustReq(t, http.MethodGet, base+"/api/agents")
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, agentList := do(t, req)
			require.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Len(t, agentList["items"], 4)

			// Live events over WebSocket, past the HTTP read timeout: the
			// campaign topic replays the run's events from since=0.
			wsEvents := readCampaignEvents(t, base, adminToken, camp["id"].(string), 5)
			assert.Equal(t, "run.queued", wsEvents[0]["event"])
			for i, ev := range wsEvents {
				assert.EqualValues(t, i+1, ev["seq"], "seq counts 1, 2, 3 with no holes")
			}

			req = mustReq(t, http.MethodGet, base+"/api/admin/analytics?window=1h")
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, stats := do(t, req)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%v", stats)
			assert.NotEmpty(t, stats["routes"])
			assert.EqualValues(t, 1, stats["runs_by_status"].(map[string]any)["succeeded"])
			hours := stats["runs_by_hour"].([]any)
			require.NotEmpty(t, hours, "runs by status over time")
			assert.EqualValues(t, 1, hours[len(hours)-1].(map[string]any)["succeeded"])
			assert.Contains(t, stats, "websocket_connections")
			requireCrewSeries(t, base)

			require.NoError(t, stop(), "graceful shutdown")
			for _, secret := range []string{"user password", "admin password 1", pair["refresh_token"].(string), adminToken} {
				assert.NotContains(t, logs.String(), secret, "logs never hold secrets or tokens")
			}
		})
	}
}

func TestBuildRefusesBadDatabase(t *testing.T) {
	cfg, err := LoadConfig(nil, envOf(map[string]string{
		"KPBOT_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none?connect_timeout=1",
		"KPBOT_JWT_SECRET":   strings.Repeat("s", 40),
	}))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, _, err = Build(ctx, cfg, slog.New(slog.DiscardHandler))
	assert.Error(t, err)
}

func mustReq(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	return req
}

// readCampaignEvents dials /api/ws, subscribes to the campaign from the
// start and returns the first n events.
func readCampaignEvents(t *testing.T, base, token, campaignID string, n int) []map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/ws", &websocket.DialOptions{
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	require.NoError(t, err)
	defer conn.CloseNow()
	time.Sleep(1500 * time.Millisecond) // past KPBOT_HTTP_READ_TIMEOUT: the socket must outlive it
	require.NoError(t, wsjson.Write(ctx, conn, map[string]any{"type": "subscribe", "topics": []string{"campaign:" + campaignID}, "since": 0}))
	var got []map[string]any
	for len(got) < n {
		var msg map[string]any
		require.NoError(t, wsjson.Read(ctx, conn, &msg))
		if msg["type"] == "event" {
			got = append(got, msg)
		}
	}
	return got
}
