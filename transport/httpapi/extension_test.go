package httpapi

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/auth"
)

var errTeapot = errors.New("the campaign domain's own error")

// TestExtensionPoints registers routes the way other transport packages
// do: a huma operation behind BearerSecurity and a permission, a plain
// bunrouter handler behind RequireAuth, and a domain error mapper.
func TestExtensionPoints(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		type out struct {
			Body struct {
				UserID string `json:"user_id"`
			}
		}
		e := newEnv(withRoutes(func(s *Server) {
			s.MapErrors(func(err error) *Problem {
				if errors.Is(err, errTeapot) {
					return NewProblem(http.StatusTeapot, "short and stout")
				}
				return nil
			})
			huma.Register(s.API(), huma.Operation{
				OperationID: "test-review", Method: http.MethodGet, Path: "/test/review",
				Security: BearerSecurity(), Metadata: map[string]any{MetadataPermission: auth.PermCommentsReview},
			}, func(ctx context.Context, _ *struct{}) (*out, error) {
				p, ok := PrincipalFrom(ctx)
				require.True(t, ok)
				o := &out{}
				o.Body.UserID = p.User.ID
				return o, nil
			})
			huma.Register(s.API(), huma.Operation{OperationID: "test-teapot", Method: http.MethodGet, Path: "/test/teapot"},
				func(ctx context.Context, _ *struct{}) (*struct{}, error) { return nil, s.Error(ctx, errTeapot) })
			s.Router().GET("/test/plain", s.RequireAuth(func(w http.ResponseWriter, req bunrouter.Request) error {
				p, ok := PrincipalFrom(req.Context())
				if !ok {
					return errors.New("no principal")
				}
				_, err := w.Write([]byte(p.User.ID))
				return err
			}))
		}))
		user := e.register("ext@example.com", "ext-password")
		root := e.admin()

		requireProblem(t, e.do("GET", "/test/review", nil), http.StatusUnauthorized)
		requireProblem(t, e.do("GET", "/test/review", nil, bearer(user.AccessToken)), http.StatusForbidden)
		r := e.do("GET", "/test/review", nil, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, root.User["id"], r.json(t)["user_id"])

		requireProblem(t, e.do("GET", "/test/teapot", nil), http.StatusTeapot)

		requireProblem(t, e.do("GET", "/test/plain", nil), http.StatusUnauthorized)
		r = e.do("GET", "/test/plain", nil, bearer(user.AccessToken))
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, user.User["id"], string(r.body))
		assert.Contains(t, e.logs.String(), `"route":"/test/plain"`)
	})
}
