package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	b, err := json.Marshal(body)
	require.NoError(t, err)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
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
	}
	for name, mk := range dbs {
		t.Run(name, func(t *testing.T) {
			env := mk(t)
			env["KPBOT_BCRYPT_COST"] = "4"
			env["KPBOT_ADMIN_EMAIL"] = "Admin@Example.com"
			env["KPBOT_ADMIN_PASSWORD"] = "admin password 1"
			base, logs, stop := startApp(t, env)

			resp, _ := do(t, mustReq(t, http.MethodGet, base+"/readyz"))
			assert.Equal(t, http.StatusOK, resp.StatusCode)

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
			resp, _ = postJSON(t, base+"/api/auth/logout", pair["access_token"].(string), map[string]any{})
			assert.Equal(t, http.StatusNoContent, resp.StatusCode)
			resp, _ = postJSON(t, base+"/api/auth/refresh", "", map[string]any{"refresh_token": pair["refresh_token"]})
			assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)

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
