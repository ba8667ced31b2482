package httpapitest_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/httpapi/httpapitest"
)

// whoami is the answer of the embedder's route.
type whoami struct {
	Body struct {
		UserID string    `json:"user_id"`
		Role   auth.Role `json:"role"`
	}
}

// mount registers an embedder's routes: a huma operation for any
// signed-in user, one that needs the review permission, and a plain
// bunrouter handler behind RequireAuth.
func mount(s *httpapi.Server) {
	who := func(ctx context.Context, _ *struct{}) (*whoami, error) {
		p, ok := httpapi.PrincipalFrom(ctx)
		if !ok {
			return nil, huma.Error500InternalServerError("no principal")
		}
		out := &whoami{}
		out.Body.UserID, out.Body.Role = p.User.ID, p.Role()
		return out, nil
	}
	huma.Register(s.API(), huma.Operation{
		OperationID: "acme-whoami", Method: http.MethodGet, Path: "/api/acme/whoami",
		Security: httpapi.BearerSecurity(),
	}, who)
	huma.Register(s.API(), huma.Operation{
		OperationID: "acme-review", Method: http.MethodGet, Path: "/api/acme/review",
		Security: httpapi.BearerSecurity(), Metadata: map[string]any{httpapi.MetadataPermission: auth.PermCommentsReview},
	}, who)
	s.Router().GET("/api/acme/plain", s.RequireAuth(func(w http.ResponseWriter, req bunrouter.Request) error {
		p, _ := httpapi.PrincipalFrom(req.Context())
		_, err := w.Write([]byte(p.User.Email))
		return err
	}))
}

// TestMountedRoutesBesideKpbots: the embedder's routes and kpbot's answer
// on one server, with one token, under the same rules.
func TestMountedRoutesBesideKpbots(t *testing.T) {
	t.Parallel()
	kit := httpapitest.New(t, httpapitest.Options{Mount: mount})
	user, mod, admin := kit.User(auth.RoleUser), kit.User(auth.RoleModerator), kit.User(auth.RoleAdmin)
	anon := kit.Anonymous()

	// kpbot's own route, with the user's token.
	var me struct {
		ID   string `json:"id"`
		Role string `json:"role"`
	}
	user.Do(http.MethodGet, "/api/auth/me", nil).Require(http.StatusOK).JSON(&me)
	assert.Equal(t, user.UserID, me.ID)
	assert.Equal(t, "user", me.Role)

	// The mounted route sees the same principal.
	for _, c := range []*httpapitest.Client{user, mod, admin} {
		var got whoami
		c.Do(http.MethodGet, "/api/acme/whoami", nil).Require(http.StatusOK).JSON(&got.Body)
		assert.Equal(t, c.UserID, got.Body.UserID)
		assert.Equal(t, c.Role, got.Body.Role)
	}
	assert.Equal(t, auth.RoleModerator, mod.Role)
	assert.Equal(t, auth.RoleAdmin, admin.Role)

	// Both refuse a caller without a token with the same problem.
	anon.Do(http.MethodGet, "/api/auth/me", nil).Problem(http.StatusUnauthorized)
	anon.Do(http.MethodGet, "/api/acme/whoami", nil).Problem(http.StatusUnauthorized)
	anon.Do(http.MethodGet, "/api/acme/plain", nil).Problem(http.StatusUnauthorized)

	// A permission on a mounted route is kpbot's role table.
	user.Do(http.MethodGet, "/api/acme/review", nil).Problem(http.StatusForbidden)
	mod.Do(http.MethodGet, "/api/acme/review", nil).Require(http.StatusOK)

	// A plain handler behind RequireAuth.
	r := user.Do(http.MethodGet, "/api/acme/plain", nil).Require(http.StatusOK)
	assert.Equal(t, user.Email, string(r.Body))

	// kpbot's campaign routes are there too, and the mounted operation is
	// in the OpenAPI document.
	var c struct {
		ID string `json:"id"`
	}
	user.Do(http.MethodPost, "/api/campaigns", map[string]any{
		"name": "kit", "keywords": []string{"go"}, "seed_urls": []string{"https://blog.example.test/"},
	}).Require(http.StatusCreated).JSON(&c)
	require.NotEmpty(t, c.ID)
	mod.Do(http.MethodGet, "/api/campaigns/"+c.ID, nil).Require(http.StatusOK)
	assert.Contains(t, string(anon.Do(http.MethodGet, "/openapi.json", nil).Require(http.StatusOK).Body), `"acme-whoami"`)
}

// TestWithoutMount: the zero Options serve kpbot's routes alone; an
// unknown path is a problem, not the embedder's.
func TestWithoutMount(t *testing.T) {
	t.Parallel()
	kit := httpapitest.New(t, httpapitest.Options{})
	user := kit.User(auth.RoleUser)
	user.Do(http.MethodGet, "/api/acme/whoami", nil).Problem(http.StatusNotFound)
	var list struct {
		Items []any `json:"items"`
	}
	user.Do(http.MethodGet, "/api/campaigns", nil).Require(http.StatusOK).JSON(&list)
	assert.NotNil(t, list.Items)
}
