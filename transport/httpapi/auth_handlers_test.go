package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
)

func TestRegister(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		r := e.do("POST", "/api/auth/register", map[string]string{"email": "  Alice@Example.COM ", "password": "correct horse", "name": "Alice"})
		require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
		assert.Equal(t, "no-cache", r.header.Get("Pragma"))
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		body := r.json(t)
		assert.ElementsMatch(t, []string{"user", "access_token", "refresh_token", "token_type", "expires_in"}, keys(body))
		assert.Equal(t, "Bearer", body["token_type"])
		assert.EqualValues(t, 900, body["expires_in"])
		user := body["user"].(map[string]any)
		assert.ElementsMatch(t, []string{"id", "email", "name", "role", "permissions", "created_at", "email_verified"}, keys(user))
		assert.Equal(t, "alice@example.com", user["email"])
		assert.Equal(t, "Alice", user["name"])
		assert.Equal(t, "user", user["role"])
		assert.ElementsMatch(t, []any{"campaigns:own", "notifications:read_own"}, user["permissions"])
		created, err := time.Parse(time.RFC3339, user["created_at"].(string))
		require.NoError(t, err)
		assert.Equal(t, time.UTC, created.Location())
		assert.True(t, strings.HasSuffix(user["created_at"].(string), "Z"))

		// The same email in another case is a conflict.
		dup := e.do("POST", "/api/auth/register", map[string]string{"email": "ALICE@example.com", "password": "another password"})
		p := requireProblem(t, dup, http.StatusConflict)
		assert.Contains(t, fieldLocations(p), "body.email")

		// A name is optional.
		tk := e.tokensOf(e.do("POST", "/api/auth/register", map[string]string{"email": "noname@example.com", "password": "password-123"}), http.StatusCreated)
		assert.Equal(t, "", tk.User["name"])
	})
}

func TestRegisterRoleIsNeverEffective(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		// The body schema admits email, password and name only: a role is
		// refused with 422 naming the field, and no account is created.
		for _, body := range []string{
			`{"email":"mallory@example.com","password":"password-123","role":"admin"}`,
			`{"email":"mallory@example.com","password":"password-123","Role":"admin"}`,
			`{"email":"mallory@example.com","password":"password-123","permissions":["users:manage"]}`,
		} {
			r := e.do("POST", "/api/auth/register", body)
			p := requireProblem(t, r, http.StatusUnprocessableEntity)
			require.Len(t, fieldLocations(p), 1, "body %s", body)
			assert.True(t, strings.HasPrefix(fieldLocations(p)[0], "body."))
		}
		requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": "mallory@example.com", "password": "password-123"}), http.StatusUnauthorized)

		// Registered without the field, the account is a plain user whose
		// token does not open admin endpoints.
		tk := e.register("mallory@example.com", "password-123")
		assert.Equal(t, "user", tk.User["role"])
		me := e.do("GET", "/api/auth/me", nil, bearer(tk.AccessToken)).json(t)
		assert.Equal(t, "user", me["role"])
		requireProblem(t, e.do("GET", "/api/admin/users", nil, bearer(tk.AccessToken)), http.StatusForbidden)
	})
}

func TestRegisterBadInput(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withConfig(func(c *Config) { c.MaxBodyBytes = 4096 }))
		long := strings.Repeat("a", 300)
		cases := []struct {
			name   string
			body   any
			opts   []reqOpt
			status int
			field  string
		}{
			{"short password", map[string]string{"email": "a@example.com", "password": "short"}, nil, 422, "body.password"},
			{"NUL in password", map[string]string{"email": "a@example.com", "password": "pass\x00word-123"}, nil, 422, "body.password"},
			{"NUL in email", map[string]string{"email": "a\x00@example.com", "password": "password-123"}, nil, 422, "body.email"},
			{"NUL in name", map[string]string{"email": "a@example.com", "password": "password-123", "name": "a\x00b"}, nil, 422, "body.name"},
			{"over-long email", map[string]string{"email": long + "@example.com", "password": "password-123"}, nil, 422, "body.email"},
			{"over-long password", map[string]string{"email": "a@example.com", "password": strings.Repeat("p", 1025)}, nil, 422, "body.password"},
			{"over-long name", map[string]string{"email": "a@example.com", "password": "password-123", "name": strings.Repeat("n", 101)}, nil, 422, "body.name"},
			{"invalid email", map[string]string{"email": "not-an-email", "password": "password-123"}, nil, 422, "body.email"},
			{"missing password", map[string]string{"email": "a@example.com"}, nil, 422, "body"},
			{"wrong type", `{"email":1,"password":"password-123"}`, nil, 422, "body.email"},
			{"malformed JSON", `{"email":"a@example.com",`, nil, 400, "body"},
			{"JSON array", `[]`, nil, 422, "body"},
			{"text/plain", `{"email":"a@example.com","password":"password-123"}`, []reqOpt{header("Content-Type", "text/plain")}, 415, ""},
			{"form", `email=a%40example.com&password=password-123`, []reqOpt{header("Content-Type", "application/x-www-form-urlencoded")}, 415, ""},
			{"oversized body", `{"email":"a@example.com","password":"` + strings.Repeat("x", 5000) + `"}`, nil, 413, ""},
			{"empty body", "", nil, 400, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do("POST", "/api/auth/register", c.body, c.opts...)
				p := requireProblem(t, r, c.status)
				if c.field != "" {
					assert.Contains(t, fieldLocations(p), c.field)
				}
				assert.NotContains(t, string(r.body), "password-123", "a problem never echoes the input")
			})
		}
		// None of these created an account.
		requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": "a@example.com", "password": "password-123"}), http.StatusUnauthorized)
	})
}

func TestLogin(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		e.register("bob@example.com", "bob-password")
		tk := e.login("  BOB@example.com", "bob-password")
		assert.Equal(t, "bob@example.com", tk.User["email"])
		assert.NotEmpty(t, tk.AccessToken)
		assert.NotEmpty(t, tk.RefreshToken)

		wrongPw := e.do("POST", "/api/auth/login", map[string]string{"email": "bob@example.com", "password": "wrong-password"})
		unknown := e.do("POST", "/api/auth/login", map[string]string{"email": "nobody@example.com", "password": "wrong-password"})
		requireProblem(t, wrongPw, http.StatusUnauthorized)
		requireProblem(t, unknown, http.StatusUnauthorized)
		assert.Equal(t, string(wrongPw.body), string(unknown.body), "wrong email and wrong password look the same")
		assert.Contains(t, wrongPw.header.Get("WWW-Authenticate"), "Bearer")
		assert.Equal(t, wrongPw.header.Get("WWW-Authenticate"), unknown.header.Get("WWW-Authenticate"))

		requireProblem(t, e.do("POST", "/api/auth/login", `{"email":"bob@example.com"`), http.StatusBadRequest)
		requireProblem(t, e.do("POST", "/api/auth/login", "x", header("Content-Type", "text/plain")), http.StatusUnsupportedMediaType)
	})
}

func TestLoginFailureLimit(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withAuthConfig(func(c *auth.Config) { c.LoginMaxFailures = 3 }))
		live := e.register("carol@example.com", "carol-password")
		for _, email := range []string{"carol@example.com", "ghost@example.com"} {
			for range 3 {
				requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": "nope-nope"}), http.StatusUnauthorized)
			}
			r := e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": "nope-nope"})
			requireProblem(t, r, http.StatusTooManyRequests)
			assertRetryAfter(t, r)
		}
		// Even the right password waits now ...
		requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": "carol@example.com", "password": "carol-password"}), http.StatusTooManyRequests)
		// ... while the session opened before keeps working.
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(live.AccessToken)).status)
		assert.Equal(t, http.StatusOK, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": live.RefreshToken}).status)
		// After the window the account may log in again.
		e.clock.Advance(16 * time.Minute)
		e.login("carol@example.com", "carol-password")
	})
}

func TestPerIPRateLimit(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withConfig(func(c *Config) { c.AuthRateLimit = 3 }))
		for i := range 3 {
			r := e.do("POST", "/api/auth/login", map[string]string{"email": "x@example.com", "password": "whatever-" + string(rune('a'+i))})
			requireProblem(t, r, http.StatusUnauthorized)
		}
		r := e.do("POST", "/api/auth/login", map[string]string{"email": "x@example.com", "password": "whatever"})
		requireProblem(t, r, http.StatusTooManyRequests)
		assertRetryAfter(t, r)
		// Each endpoint has its own bucket.
		e.register("y@example.com", "password-123")
		// Non-limited endpoints are unaffected.
		assert.Equal(t, http.StatusOK, e.do("GET", "/healthz", nil).status)
		e.clock.Advance(time.Minute)
		requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": "x@example.com", "password": "whatever"}), http.StatusUnauthorized)
	})
}

func assertRetryAfter(t *testing.T, r *resp) {
	t.Helper()
	ra := r.header.Get("Retry-After")
	require.NotEmpty(t, ra)
	var secs int
	require.NoError(t, json.Unmarshal([]byte(ra), &secs), "Retry-After %q is whole seconds", ra)
	assert.Positive(t, secs)
}

func TestRefreshRotation(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		first := e.register("dave@example.com", "dave-password")
		r := e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken})
		second := e.tokensOf(r, http.StatusOK)
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
		assert.NotEqual(t, first.RefreshToken, second.RefreshToken)
		assert.Equal(t, "dave@example.com", second.User["email"])
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(second.AccessToken)).status)

		// Presenting the rotated token again is 401 and kills the session:
		// the newer refresh token and every access token stop working.
		reuse := e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken})
		requireProblem(t, reuse, http.StatusUnauthorized)
		assert.Contains(t, reuse.header.Get("WWW-Authenticate"), "Bearer")
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": second.RefreshToken}), http.StatusUnauthorized)
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(second.AccessToken)), http.StatusUnauthorized)
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(first.AccessToken)), http.StatusUnauthorized)

		// Garbage and missing tokens.
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": "nope"}), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/refresh", `{}`), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": strings.Repeat("a", 129)}), http.StatusUnprocessableEntity)
	})
}

func TestRefreshTokenKindsDoNotMix(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		tk := e.register("erin@example.com", "erin-password")
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(tk.RefreshToken)), http.StatusUnauthorized)
		requireProblem(t, e.do("GET", "/api/auth/validate", nil, bearer(tk.RefreshToken)), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk.AccessToken}), http.StatusUnprocessableEntity) // longer than any refresh token
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk.AccessToken[:43]}), http.StatusUnauthorized)
		// Both still work for what they are.
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(tk.AccessToken)).status)
		e.tokensOf(e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken}), http.StatusOK)
	})
}

func TestRefreshRace(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		tk := e.register("frank@example.com", "frank-password")
		const n = 20
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			statuses = map[int]int{}
			winners  []tokens
		)
		start := make(chan struct{})
		for range n {
			wg.Go(func() {
				<-start
				r := e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken})
				mu.Lock()
				defer mu.Unlock()
				statuses[r.status]++
				if r.status == http.StatusOK {
					var w tokens
					if json.Unmarshal(r.body, &w) == nil {
						winners = append(winners, w)
					}
				}
			})
		}
		close(start)
		wg.Wait()
		assert.Equal(t, 1, statuses[http.StatusOK], "statuses: %v", statuses)
		assert.Equal(t, n-1, statuses[http.StatusUnauthorized], "statuses: %v", statuses)
		// The losers presented a rotated token, so the session is revoked:
		// no refresh token of it is live any more.
		require.Len(t, winners, 1)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": winners[0].RefreshToken}), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken}), http.StatusUnauthorized)
	})
}

func TestRefreshGraceWindow(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withAuthConfig(func(c *auth.Config) { c.RefreshReuseGrace = 10 * time.Second }))
		first := e.register("gina@example.com", "gina-password")
		second := e.tokensOf(e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}), http.StatusOK)
		e.clock.Advance(5 * time.Second)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}), http.StatusConflict)
		// Nothing was revoked.
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(second.AccessToken)).status)
		third := e.tokensOf(e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": second.RefreshToken}), http.StatusOK)
		// Past the window, or two generations back, it is a reuse again.
		e.clock.Advance(11 * time.Second)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}), http.StatusUnauthorized)
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(third.AccessToken)), http.StatusUnauthorized)
	})
}

func TestMeAndValidate(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		tk := e.register("hank@example.com", "hank-password")
		me := e.do("GET", "/api/auth/me", nil, bearer(tk.AccessToken))
		require.Equal(t, http.StatusOK, me.status)
		m := me.json(t)
		assert.ElementsMatch(t, []string{"id", "email", "name", "role", "permissions", "created_at", "email_verified"}, keys(m))
		assert.Equal(t, tk.User["id"], m["id"])

		v := e.do("GET", "/api/auth/validate", nil, bearer(tk.AccessToken))
		require.Equal(t, http.StatusOK, v.status, "body: %s", v.body)
		vm := v.json(t)
		assert.ElementsMatch(t, []string{"valid", "user_id", "role", "session_id", "expires_at"}, keys(vm))
		assert.Equal(t, true, vm["valid"])
		assert.Equal(t, tk.User["id"], vm["user_id"])
		assert.Equal(t, "user", vm["role"])
		exp, err := time.Parse(time.RFC3339, vm["expires_at"].(string))
		require.NoError(t, err)
		assert.WithinDuration(t, e.clock.Now().Add(15*time.Minute), exp, time.Second)

		for name, opts := range map[string][]reqOpt{
			"none":         nil,
			"garbage":      {bearer("not.a.jwt")},
			"basic":        {header("Authorization", "Basic Zm9vOmJhcg==")},
			"empty bearer": {header("Authorization", "Bearer ")},
			"tampered":     {bearer(tk.AccessToken[:len(tk.AccessToken)-2] + "xx")},
		} {
			r := e.do("GET", "/api/auth/validate", nil, opts...)
			requireProblem(t, r, http.StatusUnauthorized)
			assert.Contains(t, r.header.Get("WWW-Authenticate"), "Bearer", name)
		}
		// Tokens are never read from the URL.
		requireProblem(t, e.do("GET", "/api/auth/me?access_token="+tk.AccessToken, nil), http.StatusUnauthorized)
		// Expired access token.
		e.clock.Advance(16 * time.Minute)
		requireProblem(t, e.do("GET", "/api/auth/validate", nil, bearer(tk.AccessToken)), http.StatusUnauthorized)
	})
}

func TestLogout(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		tk := e.register("ivy@example.com", "ivy-password")
		r := e.do("POST", "/api/auth/logout", nil, bearer(tk.AccessToken))
		require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
		assert.Empty(t, r.body)
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(tk.AccessToken)), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": tk.RefreshToken}), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/logout", nil, bearer(tk.AccessToken)), http.StatusUnauthorized)

		// With a body naming another of the caller's sessions: both end.
		a := e.login("ivy@example.com", "ivy-password")
		b := e.login("ivy@example.com", "ivy-password")
		require.Equal(t, http.StatusNoContent, e.do("POST", "/api/auth/logout", map[string]string{"refresh_token": b.RefreshToken}, bearer(a.AccessToken)).status)
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(b.AccessToken)), http.StatusUnauthorized)

		// An empty JSON object, and an empty body labelled text/plain, work too.
		c := e.login("ivy@example.com", "ivy-password")
		require.Equal(t, http.StatusNoContent, e.do("POST", "/api/auth/logout", `{}`, bearer(c.AccessToken)).status)
		d := e.login("ivy@example.com", "ivy-password")
		require.Equal(t, http.StatusNoContent, e.do("POST", "/api/auth/logout", "", bearer(d.AccessToken), header("Content-Type", "text/plain;charset=UTF-8")).status)
		requireProblem(t, e.do("POST", "/api/auth/logout", nil), http.StatusUnauthorized)
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		first := e.register("jay@example.com", "jay-password")
		e.clock.Advance(time.Second)
		second := e.do("POST", "/api/auth/login", map[string]string{"email": "jay@example.com", "password": "jay-password"}, header("User-Agent", "phone/1.0"))
		cur := e.tokensOf(second, http.StatusOK)
		other := e.register("kim@example.com", "kim-password")

		r := e.do("GET", "/api/auth/sessions", nil, bearer(cur.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var list struct {
			Items      []map[string]any `json:"items"`
			NextCursor *string          `json:"next_cursor"`
		}
		require.NoError(t, json.Unmarshal(r.body, &list))
		require.NotNil(t, list.NextCursor)
		assert.Equal(t, "", *list.NextCursor)
		require.Len(t, list.Items, 2)
		current := 0
		for _, it := range list.Items {
			assert.ElementsMatch(t, []string{"id", "created_at", "last_used_at", "user_agent", "ip", "current"}, keys(it))
			assert.Equal(t, "127.0.0.1", it["ip"])
			if it["current"] == true {
				current++
				assert.Equal(t, "phone/1.0", it["user_agent"])
			}
		}
		assert.Equal(t, 1, current)

		// Paging.
		r = e.do("GET", "/api/auth/sessions?limit=1", nil, bearer(cur.AccessToken))
		require.NoError(t, json.Unmarshal(r.body, &list))
		require.Len(t, list.Items, 1)
		require.NotEmpty(t, *list.NextCursor)
		firstID := list.Items[0]["id"]
		r = e.do("GET", "/api/auth/sessions?limit=1&cursor="+*list.NextCursor, nil, bearer(cur.AccessToken))
		require.NoError(t, json.Unmarshal(r.body, &list))
		require.Len(t, list.Items, 1)
		assert.NotEqual(t, firstID, list.Items[0]["id"])
		assert.Equal(t, "", *list.NextCursor)
		p := requireProblem(t, e.do("GET", "/api/auth/sessions?cursor=%21%21", nil, bearer(cur.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "query.cursor")
		requireProblem(t, e.do("GET", "/api/auth/sessions?limit=201", nil, bearer(cur.AccessToken)), http.StatusUnprocessableEntity)

		// Another user's session is 404 and stays alive; an unknown one too.
		otherSessions := e.do("GET", "/api/auth/sessions", nil, bearer(other.AccessToken))
		require.NoError(t, json.Unmarshal(otherSessions.body, &list))
		otherID := list.Items[0]["id"].(string)
		requireProblem(t, e.do("DELETE", "/api/auth/sessions/"+otherID, nil, bearer(cur.AccessToken)), http.StatusNotFound)
		requireProblem(t, e.do("DELETE", "/api/auth/sessions/no-such-session", nil, bearer(cur.AccessToken)), http.StatusNotFound)
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(other.AccessToken)).status)

		// Revoking one's own other session ends it.
		meFirst := e.do("GET", "/api/auth/validate", nil, bearer(first.AccessToken)).json(t)
		require.Equal(t, http.StatusNoContent, e.do("DELETE", "/api/auth/sessions/"+meFirst["session_id"].(string), nil, bearer(cur.AccessToken)).status)
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(first.AccessToken)), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": first.RefreshToken}), http.StatusUnauthorized)
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(cur.AccessToken)).status)
		requireProblem(t, e.do("GET", "/api/auth/sessions", nil), http.StatusUnauthorized)
	})
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
