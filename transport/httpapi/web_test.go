package httpapi

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/webapp"
)

func withWeb(t *testing.T) testOpt {
	t.Helper()
	h, err := webapp.New(fstest.MapFS{
		"index.html":          {Data: []byte("<!doctype html><title>app</title>")},
		"assets/app-1.js":     {Data: []byte("app()")},
		"docs/index.html":     {Data: []byte("<!doctype html><title>reference</title>")},
		"docs/assets/r-2.js":  {Data: []byte("render()")},
		"docs/assets/r-2.css": {Data: []byte("main{}")},
	})
	require.NoError(t, err)
	return func(s *testSetup) { s.deps.Web = h }
}

func TestWebAppBesideTheAPI(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t), withWeb(t))

	// The app at / and at any deep link, with the app's policy.
	for _, p := range []string{"/", "/campaigns/42", "/review?status=draft"} {
		r := e.do("GET", p, nil)
		require.Equal(t, http.StatusOK, r.status, p)
		assert.Equal(t, "<!doctype html><title>app</title>", string(r.body), p)
		assert.Equal(t, webapp.AppCSP, r.header.Get("Content-Security-Policy"), p)
		assert.Equal(t, "no-cache", r.header.Get("Cache-Control"), p)
		assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"), p)
		assert.Equal(t, "DENY", r.header.Get("X-Frame-Options"), p)
	}
	r := e.do("GET", "/assets/app-1.js", nil)
	assert.Equal(t, "public, max-age=31536000, immutable", r.header.Get("Cache-Control"))
	assert.Equal(t, http.StatusOK, e.do("HEAD", "/", nil).status)

	// The reference at /docs from the built assets, 'self' only.
	r = e.do("GET", "/docs", nil)
	require.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, "<!doctype html><title>reference</title>", string(r.body))
	assert.Equal(t, webapp.DocsCSP, r.header.Get("Content-Security-Policy"))
	assert.NotContains(t, r.header.Get("Content-Security-Policy"), "unpkg")
	assert.Equal(t, http.StatusOK, e.do("GET", "/docs/assets/r-2.css", nil).status)

	// Unknown API paths stay JSON problems with the API's policy.
	for _, p := range []string{"/api/nope", "/api", "/api/campaigns/x/unknown"} {
		r := e.do("GET", p, nil)
		requireProblem(t, r, http.StatusNotFound)
		assert.Equal(t, apiCSP, r.header.Get("Content-Security-Policy"), p)
	}
	// Other methods outside /api are not the app either.
	requireProblem(t, e.do("POST", "/campaigns", `{}`), http.StatusNotFound)
	requireProblem(t, e.do("DELETE", "/", nil), http.StatusNotFound)

	// The API and the operational routes are untouched.
	r = e.do("GET", "/healthz", nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.Equal(t, apiCSP, r.header.Get("Content-Security-Policy"))
	assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	r = e.do("GET", "/openapi.json", nil)
	assert.Equal(t, http.StatusOK, r.status)
	assert.True(t, strings.HasPrefix(r.header.Get("Content-Type"), "application/"), r.header.Get("Content-Type"))
	requireProblem(t, e.do("GET", "/api/auth/me", nil), http.StatusUnauthorized)

	// Web requests are labelled as one route, never by raw path.
	m := e.do("GET", "/metrics", nil)
	assert.Contains(t, string(m.body), `route="/*web"`)
	assert.NotContains(t, string(m.body), `route="/campaigns/42"`)
}

func TestWithoutWebApp(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t))
	requireProblem(t, e.do("GET", "/", nil), http.StatusNotFound)
	requireProblem(t, e.do("GET", "/campaigns/42", nil), http.StatusNotFound)
	r := e.do("GET", "/docs", nil)
	assert.Equal(t, http.StatusOK, r.status, "huma's reference page")
	assert.Contains(t, string(r.body), "elements-api", "huma's Stoplight page")
}
