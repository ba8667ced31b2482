package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bunrouter"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withConfig(func(c *Config) { c.CORSOrigins = []string{"https://app.example.com"} }))
		preflight := func(origin string) *resp {
			return e.do("OPTIONS", "/api/auth/login", nil,
				header("Origin", origin),
				header("Access-Control-Request-Method", "POST"),
				header("Access-Control-Request-Headers", "authorization, content-type"))
		}
		ok := preflight("https://app.example.com")
		require.Equal(t, http.StatusNoContent, ok.status)
		assert.Equal(t, "https://app.example.com", ok.header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, ok.header.Get("Access-Control-Allow-Methods"), "POST")
		assert.Contains(t, ok.header.Get("Access-Control-Allow-Headers"), "Authorization")
		assert.Contains(t, ok.header.Get("Access-Control-Allow-Headers"), "Content-Type")
		assert.NotEmpty(t, ok.header.Get("Access-Control-Max-Age"))
		assert.Contains(t, ok.header.Values("Vary"), "Origin")
		assert.Empty(t, ok.header.Get("Access-Control-Allow-Credentials"))

		bad := preflight("https://evil.example.com")
		assert.Empty(t, bad.header.Get("Access-Control-Allow-Origin"))
		assert.Empty(t, bad.header.Get("Access-Control-Allow-Methods"))
		requireProblem(t, bad, http.StatusForbidden)

		// Simple requests: the allowed origin is echoed, another gets nothing.
		r := e.do("GET", "/healthz", nil, header("Origin", "https://app.example.com"))
		assert.Equal(t, "https://app.example.com", r.header.Get("Access-Control-Allow-Origin"))
		assert.Contains(t, r.header.Values("Vary"), "Origin")
		r = e.do("GET", "/healthz", nil, header("Origin", "https://evil.example.com"))
		assert.Equal(t, http.StatusOK, r.status)
		assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))

		// Without configured origins nobody gets CORS headers.
		none := newEnv()
		r = none.do("OPTIONS", "/api/auth/login", nil, header("Origin", "https://app.example.com"), header("Access-Control-Request-Method", "POST"))
		assert.Empty(t, r.header.Get("Access-Control-Allow-Origin"))
	})
}

func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withRoutes(func(s *Server) {
			huma.Register(s.API(), huma.Operation{OperationID: "boom", Method: http.MethodGet, Path: "/test/boom"},
				func(context.Context, *struct{}) (*struct{}, error) { panic("kaboom-secret-internal") })
			s.Router().GET("/test/plain-boom", func(http.ResponseWriter, bunrouter.Request) error {
				panic("plain-kaboom")
			})
			s.Router().GET("/test/plain-error", func(http.ResponseWriter, bunrouter.Request) error {
				return errors.New("plain internal failure")
			})
		}))
		for _, path := range []string{"/test/boom", "/test/plain-boom", "/test/plain-error"} {
			r := e.do("GET", path, nil)
			p := requireProblem(t, r, http.StatusInternalServerError)
			id, _ := p["error_id"].(string)
			require.NotEmpty(t, id, path)
			assert.NotContains(t, string(r.body), "kaboom")
			assert.NotContains(t, string(r.body), "plain internal failure")
			assert.Contains(t, e.logs.String(), id, "the error id is logged")
		}
		logs := e.logs.String()
		assert.Contains(t, logs, "kaboom-secret-internal")
		assert.Contains(t, logs, "goroutine", "the stack is logged")
		assert.Contains(t, logs, `"status":500`)
		// The server keeps serving.
		assert.Equal(t, http.StatusOK, e.do("GET", "/healthz", nil).status)
	})
}

func TestRequestIDAndAccessLog(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		tk := e.register("log@example.com", "log-password-1")
		r := e.do("GET", "/api/auth/me?token=query-secret", nil, bearer(tk.AccessToken), header("X-Request-Id", "abc-123"))
		assert.Equal(t, "abc-123", r.header.Get("X-Request-Id"))
		r2 := e.do("GET", "/healthz", nil, header("X-Request-Id", "bad id\twith junk"))
		gen := r2.header.Get("X-Request-Id")
		assert.NotEqual(t, "bad id\twith junk", gen)
		assert.Len(t, gen, 36)
		assert.NotEqual(t, gen, e.do("GET", "/healthz", nil).header.Get("X-Request-Id"))

		var line map[string]any
		for l := range strings.SplitSeq(e.logs.String(), "\n") {
			if strings.Contains(l, `"request_id":"abc-123"`) {
				require.NoError(t, json.Unmarshal([]byte(l), &line))
			}
		}
		require.NotNil(t, line, "one access log line per request")
		assert.Equal(t, "GET", line["method"])
		assert.Equal(t, "/api/auth/me", line["route"])
		assert.EqualValues(t, 200, line["status"])
		assert.Equal(t, "127.0.0.1", line["client_ip"])
		assert.Equal(t, tk.User["id"], line["user_id"])
		assert.Contains(t, line, "duration_ms")
		assert.Contains(t, line, "bytes")
		logs := e.logs.String()
		assert.NotContains(t, logs, tk.AccessToken)
		assert.NotContains(t, logs, tk.RefreshToken)
		assert.NotContains(t, logs, "log-password-1")
		assert.NotContains(t, logs, "query-secret")
	})
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		for _, path := range []string{"/healthz", "/api/auth/me", "/nowhere", "/docs", "/openapi.json"} {
			r := e.do("GET", path, nil)
			assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"), path)
			assert.Equal(t, "DENY", r.header.Get("X-Frame-Options"), path)
			assert.Equal(t, "no-referrer", r.header.Get("Referrer-Policy"), path)
			assert.NotEmpty(t, r.header.Get("Content-Security-Policy"), path)
		}
		assert.Equal(t, apiCSP, e.do("GET", "/healthz", nil).header.Get("Content-Security-Policy"))
		docs := e.do("GET", "/docs", nil)
		require.Equal(t, http.StatusOK, docs.status)
		csp := docs.header.Get("Content-Security-Policy")
		assert.Contains(t, csp, "https://unpkg.com/@stoplight/elements", "docs may load Stoplight Elements")
		assert.Contains(t, csp, "connect-src 'self'")
		assert.Contains(t, string(docs.body), "elements-api")
	})
}

func TestRouterProblems(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withConfig(func(c *Config) { c.MaxBodyBytes = 1024 }), withRoutes(func(s *Server) {
			s.Router().POST("/test/echo", func(w http.ResponseWriter, req bunrouter.Request) error {
				b, err := io.ReadAll(req.Body)
				if err != nil {
					return err
				}
				_, err = w.Write(b)
				return err
			})
		}))
		requireProblem(t, e.do("GET", "/api/nope", nil), http.StatusNotFound)
		r := e.do("DELETE", "/api/auth/login", nil)
		requireProblem(t, r, http.StatusMethodNotAllowed)
		assert.Equal(t, "POST", r.header.Get("Allow"))

		// Declared too large: 413 before the handler. Chunked (no length):
		// the read fails and the plain handler's error becomes a 413.
		big := strings.Repeat("x", 2048)
		requireProblem(t, e.do("POST", "/test/echo", big), http.StatusRequestEntityTooLarge)
		req, err := http.NewRequest("POST", e.ts.URL+"/test/echo", io.MultiReader(strings.NewReader(big)))
		require.NoError(t, err)
		req.ContentLength = -1
		res, err := e.ts.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		// Chunked into a huma operation.
		req, err = http.NewRequest("POST", e.ts.URL+"/api/auth/login", io.MultiReader(strings.NewReader(`{"email":"`+big+`"}`)))
		require.NoError(t, err)
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		res, err = e.ts.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
		assert.Equal(t, "small", string(e.do("POST", "/test/echo", "small").body))
	})
}

func TestClientIPBehindTrustedProxy(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withConfig(func(c *Config) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")}
			c.AuthRateLimit = 2
		}))
		login := func(xff string) *resp {
			return e.do("POST", "/api/auth/login", map[string]string{"email": "z@example.com", "password": "whatever-1"}, header("X-Forwarded-For", xff))
		}
		// The right-most untrusted hop is the client; spoofed hops to its
		// left do not change it.
		requireProblem(t, login("203.0.113.9"), http.StatusUnauthorized)
		requireProblem(t, login("1.2.3.4, 203.0.113.9, 10.0.0.1"), http.StatusUnauthorized)
		requireProblem(t, login("5.6.7.8, 203.0.113.9"), http.StatusTooManyRequests)
		// Another client behind the same proxy has its own bucket.
		requireProblem(t, login("198.51.100.7"), http.StatusUnauthorized)

		tk := e.tokensOf(e.do("POST", "/api/auth/register", map[string]string{"email": "ip@example.com", "password": "password-123"}, header("X-Forwarded-For", "192.0.2.44")), http.StatusCreated)
		var list struct {
			Items []map[string]any `json:"items"`
		}
		require.NoError(t, json.Unmarshal(e.do("GET", "/api/auth/sessions", nil, bearer(tk.AccessToken)).body, &list))
		require.Len(t, list.Items, 1)
		assert.Equal(t, "192.0.2.44", list.Items[0]["ip"])

		// Without trusted proxies the header is ignored.
		plain := newEnv()
		tk = plain.tokensOf(plain.do("POST", "/api/auth/register", map[string]string{"email": "ip@example.com", "password": "password-123"}, header("X-Forwarded-For", "192.0.2.44")), http.StatusCreated)
		require.NoError(t, json.Unmarshal(plain.do("GET", "/api/auth/sessions", nil, bearer(tk.AccessToken)).body, &list))
		assert.Equal(t, "127.0.0.1", list.Items[0]["ip"])
	})
}
