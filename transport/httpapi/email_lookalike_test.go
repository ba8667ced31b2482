package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// problemCore is a problem document without what differs per request.
func problemCore(t *testing.T, r *resp) map[string]any {
	t.Helper()
	p := r.json(t)
	delete(p, "instance")
	delete(p, "request_id")
	return p
}

// TestRegisterLookAlikeEmails: over HTTP, each look-alike of a registered
// address is refused — 409 when it is the same account or looks like it,
// with the very problem an exact duplicate gets; 422 naming body.email when
// the address itself is refused — and none of them signs in.
func TestRegisterLookAlikeEmails(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		const pw = "password-123"
		originals := []string{"alice@example.com", "straße@example.com", "coco@example.com", "ivan@example.com", "b@bücher.example", "paypal@example.com"}
		for _, email := range originals {
			e.register(email, pw)
		}
		exact := requireProblem(t, e.do("POST", "/api/auth/register", map[string]string{"email": "alice@example.com", "password": pw}), http.StatusConflict)
		assert.Contains(t, fieldLocations(exact), "body.email")
		exactJSON, err := json.Marshal(problemCore(t, e.do("POST", "/api/auth/register", map[string]string{"email": "alice@example.com", "password": pw})))
		require.NoError(t, err)

		conflicts := []struct{ name, email string }{
			{"upper case", "ALICE@EXAMPLE.COM"},
			{"fullwidth", "ａｌｉｃｅ@example.com"},
			{"fullwidth at sign and domain", "alice＠ｅｘａｍｐｌｅ．ｃｏｍ"},
			{"ss beside ß", "strasse@example.com"},
			{"capital sharp s", "STRAẞE@example.com"},
			{"whole-Cyrillic homoglyph", "сосо@example.com"},
			{"Cyrillic capitals", "СОСО@example.com"},
			{"Turkish dotless i", "ıvan@example.com"},
			{"punycode of the domain", "b@xn--bcher-kva.example"},
			{"digit one for l", "paypa1@example.com"},
		}
		for _, c := range conflicts {
			t.Run("409 "+c.name, func(t *testing.T) {
				r := e.do("POST", "/api/auth/register", map[string]string{"email": c.email, "password": "another-password"})
				requireProblem(t, r, http.StatusConflict)
				got, err := json.Marshal(problemCore(t, r))
				require.NoError(t, err)
				assert.JSONEq(t, string(exactJSON), string(got), "a look-alike gets exactly the duplicate's answer")
				requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": c.email, "password": "another-password"}), http.StatusUnauthorized)
			})
		}

		refused := []struct{ name, email, reason string }{
			{"zero-width space inside", "ali\u200bce@example.com", "U+200B"},
			{"zero-width joiner", "alice\u200d@example.com", "U+200D"},
			{"soft hyphen", "al\u00adice@example.com", "U+00AD"},
			{"right-to-left override", "alice\u202e@example.com", "U+202E"},
			{"byte order mark", "\ufeffalice@example.com", "U+FEFF"},
			{"Cyrillic а inside a Latin name", "аlice@example.com", "mix scripts"},
			{"Cyrillic а inside a Latin domain", "alice@exаmple.com", "mix scripts"},
			{"NUL", "alice\x00@example.com", ""},
			{"control character", "alice\x1b@example.com", ""},
		}
		for _, c := range refused {
			t.Run("refused "+c.name, func(t *testing.T) {
				r := e.do("POST", "/api/auth/register", map[string]string{"email": c.email, "password": pw})
				require.Contains(t, []int{http.StatusBadRequest, http.StatusUnprocessableEntity}, r.status, "body: %s", r.body)
				p := requireProblem(t, r, r.status)
				if r.status == http.StatusUnprocessableEntity {
					assert.Contains(t, fieldLocations(p), "body.email")
				}
				if c.reason != "" {
					assert.Equal(t, http.StatusUnprocessableEntity, r.status)
					assert.Contains(t, string(r.body), c.reason, "the problem says why")
				}
				assert.NotContains(t, string(r.body), pw, "a problem never echoes the password")
			})
		}

		// The accounts are the originals, shown as registered, each signing
		// in by its own address and by its canonical forms.
		for _, email := range originals {
			tk := e.login(email, pw)
			assert.Equal(t, email, tk.User["email"])
		}
		assert.Equal(t, "straße@example.com", e.login("STRASSE@example.com", pw).User["email"])
		assert.Equal(t, "b@bücher.example", e.login("b@XN--BCHER-KVA.example", pw).User["email"])
		assert.Equal(t, "alice@example.com", e.login("ａｌｉｃｅ@example.com", pw).User["email"])

		// The admin listing shows one account per person.
		root := e.admin()
		r := e.do("GET", "/api/admin/users?limit=200", nil, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var list struct {
			Items []struct {
				Email string `json:"email"`
			} `json:"items"`
		}
		require.NoError(t, json.Unmarshal(r.body, &list))
		var emails []string
		for _, it := range list.Items {
			emails = append(emails, it.Email)
		}
		assert.ElementsMatch(t, append(originals, "root@example.com"), emails)
	})
}

// TestLoginBadEmailBytes: a NUL or control byte in the login address is a
// problem document (400 at the edge or 401 from the service), never a
// lookup that fails with a 500.
func TestLoginBadEmailBytes(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		e.register("bob@example.com", "password-123")
		for _, email := range []string{"bob@example.com\x00", "bob\x00@example.com", "bob\x07@example.com", "bob\u200b@example.com", strings.Repeat("b", 300) + "@example.com"} {
			r := e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": "password-123"})
			require.Contains(t, []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusUnprocessableEntity}, r.status, "%q: %s", email, r.body)
			requireProblem(t, r, r.status)
		}
		wrong := e.do("POST", "/api/auth/login", map[string]string{"email": "bob@example.com", "password": "wrong-password"})
		lookalike := e.do("POST", "/api/auth/login", map[string]string{"email": "bоb@example.com", "password": "password-123"}) // Cyrillic о
		requireProblem(t, wrong, http.StatusUnauthorized)
		requireProblem(t, lookalike, http.StatusUnauthorized)
		assert.Equal(t, problemCore(t, wrong), problemCore(t, lookalike), "a look-alike fails as a wrong password does")
	})
}
