package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		r := e.do("GET", "/healthz", nil)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, map[string]any{"status": "ok"}, r.json(t))
		assert.Equal(t, http.StatusOK, e.do("GET", "/readyz", nil).status)

		var fail error
		down := newEnv(withReady(func(ctx context.Context) error {
			if _, ok := ctx.Deadline(); !ok {
				return errors.New("no deadline")
			}
			return fail
		}))
		assert.Equal(t, http.StatusOK, down.do("GET", "/readyz", nil).status)
		fail = errors.New("database unreachable: dial tcp 10.1.2.3:5432")
		r = down.do("GET", "/readyz", nil)
		requireProblem(t, r, http.StatusServiceUnavailable)
		assert.NotContains(t, string(r.body), "10.1.2.3")
		assert.Contains(t, down.logs.String(), "10.1.2.3")
	})
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		e.do("GET", "/healthz", nil)
		e.do("GET", "/healthz", nil)
		e.do("GET", "/no/such/thing", nil)
		r := e.do("GET", "/metrics", nil)
		require.Equal(t, http.StatusOK, r.status)
		assert.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "text/plain"), r.header.Get("Content-Type"))
		body := string(r.body)
		assert.Contains(t, body, `kpbot_http_requests_total{method="GET",route="/healthz",status="200"} 2`)
		assert.Contains(t, body, `kpbot_http_requests_total{method="GET",route="unmatched",status="404"} 1`)
		assert.NotContains(t, body, "/no/such/thing", "raw paths never become labels")
		assert.Contains(t, body, `kpbot_http_request_duration_seconds_bucket{method="GET",route="/healthz"`)
		assert.Contains(t, body, "go_goroutines")
	})
}

func TestOpenAPI(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		r := e.do("GET", "/openapi.json", nil)
		require.Equal(t, http.StatusOK, r.status)
		doc := r.json(t)
		assert.True(t, strings.HasPrefix(doc["openapi"].(string), "3.1"))
		paths := doc["paths"].(map[string]any)
		for path, methods := range map[string][]string{
			"/api/auth/register":      {"post"},
			"/api/auth/login":         {"post"},
			"/api/auth/refresh":       {"post"},
			"/api/auth/me":            {"get"},
			"/api/auth/validate":      {"get"},
			"/api/auth/logout":        {"post"},
			"/api/auth/sessions":      {"get"},
			"/api/auth/sessions/{id}": {"delete"},
			"/api/admin/users":        {"get"},
			"/api/admin/users/{id}":   {"patch"},
			"/healthz":                {"get"},
			"/readyz":                 {"get"},
			"/metrics":                {"get"},
		} {
			item, ok := paths[path].(map[string]any)
			require.True(t, ok, "path %s documented", path)
			for _, m := range methods {
				assert.Contains(t, item, m, path)
			}
		}
		schemes := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
		assert.Equal(t, "bearer", schemes["bearer"].(map[string]any)["scheme"])
		me := paths["/api/auth/me"].(map[string]any)["get"].(map[string]any)
		assert.Equal(t, []any{map[string]any{"bearer": []any{}}}, me["security"])
		login := paths["/api/auth/login"].(map[string]any)["post"].(map[string]any)
		assert.Equal(t, []any{}, login["security"], "public: security: []")
		errModel := doc["components"].(map[string]any)["schemas"].(map[string]any)["ErrorModel"].(map[string]any)
		assert.Contains(t, errModel["properties"], "error_id")
	})
}
