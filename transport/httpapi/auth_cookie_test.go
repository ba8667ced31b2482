package httpapi

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage/dbtest"
)

// browser is an HTTP client with a cookie jar, like a page's fetch with
// credentials: "same-origin".
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, ts *httptest.Server) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	c := *ts.Client()
	c.Jar = jar
	return &browser{t: t, base: ts.URL, client: &c}
}

// post sends body with contentType (JSON unless set) and the header opts.
func (b *browser) post(path, contentType, body string, opts ...reqOpt) *resp {
	b.t.Helper()
	req, err := http.NewRequest("POST", b.base+path, strings.NewReader(body))
	require.NoError(b.t, err)
	if contentType == "" {
		contentType = "application/json"
	}
	req.Header.Set("Content-Type", contentType)
	for _, o := range opts {
		o(req)
	}
	res, err := b.client.Do(req)
	require.NoError(b.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(b.t, err)
	return &resp{status: res.StatusCode, header: res.Header, body: raw}
}

// cookie returns the jar's kpbot_refresh value for the auth path ("" when none).
func (b *browser) cookie() string {
	b.t.Helper()
	u, err := url.Parse(b.base + "/api/auth/refresh")
	require.NoError(b.t, err)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == RefreshCookieName {
			return c.Value
		}
	}
	return ""
}

var cookieMode = header(RefreshModeHeader, RefreshModeCookie)

// setCookie parses the response's kpbot_refresh Set-Cookie.
func setCookie(t *testing.T, r *resp) *http.Cookie {
	t.Helper()
	cs := (&http.Response{Header: r.header}).Cookies()
	for _, c := range cs {
		if c.Name == RefreshCookieName {
			return c
		}
	}
	require.Failf(t, "no kpbot_refresh cookie", "headers: %v", r.header)
	return nil
}

func TestCookieFlowLoginRefreshLogout(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		e.register("ann@example.com", "password-123")
		b := newBrowser(t, e.ts)

		// Login in cookie mode: no token in the body, the cookie carries it.
		r := b.post("/api/auth/login", "", `{"email":"ann@example.com","password":"password-123"}`, cookieMode)
		tk := e.tokensOf(r, http.StatusOK)
		assert.Empty(t, tk.RefreshToken)
		assert.NotEmpty(t, tk.AccessToken)
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
		c := setCookie(t, r)
		assert.True(t, c.HttpOnly)
		assert.Equal(t, http.SameSiteStrictMode, c.SameSite)
		assert.Equal(t, "/api/auth", c.Path)
		assert.False(t, c.Secure, "plain HTTP without a trusted proxy")
		assert.Equal(t, 30*24*3600, c.MaxAge, "the session's absolute lifetime")
		raw := r.header.Get("Set-Cookie")
		assert.Contains(t, raw, "HttpOnly")
		assert.Contains(t, raw, "SameSite=Strict")
		first := b.cookie()
		require.NotEmpty(t, first)
		assert.NotContains(t, string(r.body), first, "the token never reaches page scripts")

		// Refresh from the cookie rotates it.
		r = b.post("/api/auth/refresh", "", `{}`, cookieMode)
		tk2 := e.tokensOf(r, http.StatusOK)
		assert.Empty(t, tk2.RefreshToken)
		second := b.cookie()
		require.NotEmpty(t, second)
		assert.NotEqual(t, first, second)
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(tk2.AccessToken)).status)

		// The old cookie value is refused; presenting it is a reuse that
		// revokes the session and clears the cookie.
		stale := e.do("POST", "/api/auth/refresh", `{}`, cookieMode, header("Cookie", RefreshCookieName+"="+first))
		requireProblem(t, stale, http.StatusUnauthorized)
		assert.Equal(t, -1, setCookie(t, stale).MaxAge, "a failed refresh removes the cookie")
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(tk2.AccessToken)), http.StatusUnauthorized)
		requireProblem(t, b.post("/api/auth/refresh", "", `{}`, cookieMode), http.StatusUnauthorized)
		assert.Empty(t, b.cookie(), "the jar dropped the cookie")
	})
}

func TestCookieFlowLogoutClearsCookie(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t))
	b := newBrowser(t, e.ts)
	r := b.post("/api/auth/register", "", `{"email":"bo@example.com","password":"password-123"}`, cookieMode)
	tk := e.tokensOf(r, http.StatusCreated)
	assert.Empty(t, tk.RefreshToken)
	token := b.cookie()
	require.NotEmpty(t, token)

	out := b.post("/api/auth/logout", "", `{}`, cookieMode, bearer(tk.AccessToken))
	require.Equal(t, http.StatusNoContent, out.status, "body: %s", out.body)
	assert.Equal(t, -1, setCookie(t, out).MaxAge)
	assert.Contains(t, out.header.Get("Set-Cookie"), "Max-Age=0")
	assert.Empty(t, b.cookie())
	// The session is gone: neither its access token nor its refresh token work.
	requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(tk.AccessToken)), http.StatusUnauthorized)
	requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": token}), http.StatusUnauthorized)
}

// TestCookieFlowRefusesCrossSiteRequests: a form another site posts (or
// any request without the custom header) can never use the cookie.
func TestCookieFlowRefusesCrossSiteRequests(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t))
	e.register("cy@example.com", "password-123")
	b := newBrowser(t, e.ts)
	e.tokensOf(b.post("/api/auth/login", "", `{"email":"cy@example.com","password":"password-123"}`, cookieMode), http.StatusOK)
	token := b.cookie()
	require.NotEmpty(t, token)

	// A cross-site form post: the cookie goes along, no custom header.
	form := b.post("/api/auth/refresh", "application/x-www-form-urlencoded", "refresh_token=", header("Origin", "https://evil.example"))
	assert.Contains(t, []int{http.StatusUnsupportedMediaType, http.StatusUnauthorized}, form.status, "body: %s", form.body)
	requireProblem(t, form, form.status)
	assert.Empty(t, form.header.Values("Set-Cookie"))
	// Even the header on a form is refused: bodies are JSON only.
	requireProblem(t, b.post("/api/auth/refresh", "application/x-www-form-urlencoded", "refresh_token=", cookieMode), http.StatusUnsupportedMediaType)
	// text/plain (what a no-preflight fetch may send) is refused too.
	requireProblem(t, b.post("/api/auth/refresh", "text/plain", `{}`), http.StatusUnsupportedMediaType)
	// JSON without the header: the cookie is ignored; refresh_token is required.
	requireProblem(t, b.post("/api/auth/refresh", "", `{}`), http.StatusUnprocessableEntity)
	requireProblem(t, b.post("/api/auth/refresh", "", `{"refresh_token":""}`), http.StatusUnauthorized)
	// Logout without the header does not touch the cookie.
	assert.Equal(t, token, b.cookie())

	// The session is untouched: the same cookie still refreshes, once.
	ok := b.post("/api/auth/refresh", "", `{}`, cookieMode)
	e.tokensOf(ok, http.StatusOK)
	assert.NotEqual(t, token, b.cookie())
	// An unknown header value is refused, not taken for the JSON flow.
	requireProblem(t, b.post("/api/auth/refresh", "", `{}`, header(RefreshModeHeader, "yes")), http.StatusUnprocessableEntity)
}

// TestCookieFlowJSONUnchanged: without the header nothing changes.
func TestCookieFlowJSONUnchanged(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t))
	tk := e.register("di@example.com", "password-123")
	require.NotEmpty(t, tk.RefreshToken)
	r := e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken})
	tk2 := e.tokensOf(r, http.StatusOK)
	assert.NotEmpty(t, tk2.RefreshToken)
	assert.Empty(t, r.header.Values("Set-Cookie"))
	// In the cookie flow a non-empty body token wins over the cookie.
	r = e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk2.RefreshToken}, cookieMode,
		header("Cookie", RefreshCookieName+"=garbage"))
	e.tokensOf(r, http.StatusOK)
	assert.NotEmpty(t, setCookie(t, r).Value)
}

func TestCookieFlowSecureAttribute(t *testing.T) {
	t.Parallel()
	login := func(t *testing.T, b *browser, opts ...reqOpt) *http.Cookie {
		t.Helper()
		r := b.post("/api/auth/login", "", `{"email":"ed@example.com","password":"password-123"}`, append(opts, cookieMode)...)
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		return setCookie(t, r)
	}
	t.Run("tls", func(t *testing.T) {
		t.Parallel()
		e := newTestServer(t, dbtest.SQLite(t))
		e.register("ed@example.com", "password-123")
		tls := httptest.NewTLSServer(e.srv)
		t.Cleanup(tls.Close)
		b := newBrowser(t, tls)
		assert.True(t, login(t, b).Secure)
		assert.NotEmpty(t, b.cookie(), "the jar keeps a Secure cookie over https")
		e.tokensOf(b.post("/api/auth/refresh", "", `{}`, cookieMode), http.StatusOK)
	})
	t.Run("trusted proxy", func(t *testing.T) {
		t.Parallel()
		e := newTestServer(t, dbtest.SQLite(t), withConfig(func(c *Config) {
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
		}))
		e.register("ed@example.com", "password-123")
		b := newBrowser(t, e.ts)
		assert.True(t, login(t, b, header("X-Forwarded-Proto", "https")).Secure)
		assert.True(t, login(t, b, header("X-Forwarded-Proto", "http, https")).Secure, "the nearest proxy's entry counts")
		assert.False(t, login(t, b, header("X-Forwarded-Proto", "https, http")).Secure)
		assert.False(t, login(t, b).Secure)
	})
	t.Run("untrusted peer", func(t *testing.T) {
		t.Parallel()
		e := newTestServer(t, dbtest.SQLite(t))
		e.register("ed@example.com", "password-123")
		b := newBrowser(t, e.ts)
		assert.False(t, login(t, b, header("X-Forwarded-Proto", "https")).Secure, "anyone can write the header")
	})
}
