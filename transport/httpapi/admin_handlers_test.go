package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		root := e.admin()
		victim := e.register("victim@example.com", "victim-password")
		for i := range 3 {
			e.register(fmt.Sprintf("u%d@example.com", i), "password-123")
		}

		// A plain user is refused; no token is 401.
		requireProblem(t, e.do("GET", "/api/admin/users", nil, bearer(victim.AccessToken)), http.StatusForbidden)
		requireProblem(t, e.do("PATCH", "/api/admin/users/"+victim.User["id"].(string), map[string]any{"role": "admin"}, bearer(victim.AccessToken)), http.StatusForbidden)
		requireProblem(t, e.do("GET", "/api/admin/users", nil), http.StatusUnauthorized)

		// Paging through everyone.
		var seen []string
		cursor := ""
		for page := 0; page < 10; page++ {
			r := e.do("GET", "/api/admin/users?limit=2&cursor="+cursor, nil, bearer(root.AccessToken))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			var list struct {
				Items      []map[string]any `json:"items"`
				NextCursor string           `json:"next_cursor"`
			}
			require.NoError(t, json.Unmarshal(r.body, &list))
			require.LessOrEqual(t, len(list.Items), 2)
			for _, it := range list.Items {
				assert.ElementsMatch(t, []string{"id", "email", "name", "role", "permissions", "created_at", "email_verified", "disabled", "updated_at"}, keys(it))
				seen = append(seen, it["email"].(string))
			}
			if list.NextCursor == "" {
				break
			}
			cursor = list.NextCursor
		}
		assert.ElementsMatch(t, []string{"root@example.com", "victim@example.com", "u0@example.com", "u1@example.com", "u2@example.com"}, seen)

		// Bounds: limit over 200 or under 1 is 422; a forged cursor too.
		p := requireProblem(t, e.do("GET", "/api/admin/users?limit=201", nil, bearer(root.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "query.limit")
		requireProblem(t, e.do("GET", "/api/admin/users?limit=0", nil, bearer(root.AccessToken)), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("GET", "/api/admin/users?limit=abc", nil, bearer(root.AccessToken)), http.StatusUnprocessableEntity)
		r := e.do("GET", "/api/admin/users?cursor=forged-cursor", nil, bearer(root.AccessToken))
		assert.Less(t, r.status, 500, "body: %s", r.body)

		// Promote to moderator: the next request sees the new role.
		vid := victim.User["id"].(string)
		r = e.do("PATCH", "/api/admin/users/"+vid, map[string]any{"role": "moderator"}, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		u := r.json(t)
		assert.Equal(t, "moderator", u["role"])
		assert.Equal(t, false, u["disabled"])
		me := e.do("GET", "/api/auth/me", nil, bearer(victim.AccessToken)).json(t)
		assert.Equal(t, "moderator", me["role"])
		assert.ElementsMatch(t, []any{"campaigns:own", "notifications:read_own", "campaigns:read_all", "comments:review"}, me["permissions"])
		// A moderator still may not manage users.
		requireProblem(t, e.do("GET", "/api/admin/users", nil, bearer(victim.AccessToken)), http.StatusForbidden)

		// Bad patches.
		requireProblem(t, e.do("PATCH", "/api/admin/users/"+vid, map[string]any{"role": "god"}, bearer(root.AccessToken)), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("PATCH", "/api/admin/users/"+vid, map[string]any{"disabled": "yes"}, bearer(root.AccessToken)), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("PATCH", "/api/admin/users/no-such-user", map[string]any{"disabled": true}, bearer(root.AccessToken)), http.StatusNotFound)
		p = requireProblem(t, e.do("PATCH", "/api/admin/users/"+root.User["id"].(string), map[string]any{"disabled": true}, bearer(root.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.disabled")

		// Disabling kills every token of the user at once, and login is refused.
		r = e.do("PATCH", "/api/admin/users/"+vid, map[string]any{"disabled": true}, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, true, r.json(t)["disabled"])
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(victim.AccessToken)), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/refresh", map[string]string{"refresh_token": victim.RefreshToken}), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/auth/login", map[string]string{"email": "victim@example.com", "password": "victim-password"}), http.StatusForbidden)

		// Re-enabled, the account logs in again; old sessions stay dead.
		require.Equal(t, http.StatusOK, e.do("PATCH", "/api/admin/users/"+vid, map[string]any{"disabled": false}, bearer(root.AccessToken)).status)
		e.login("victim@example.com", "victim-password")
		requireProblem(t, e.do("GET", "/api/auth/me", nil, bearer(victim.AccessToken)), http.StatusUnauthorized)
	})
}
