package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

// AdminUserList is a page of users, ordered by id.
type AdminUserList struct {
	Items      []AdminUser `json:"items"`
	NextCursor string      `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last."`
}

// UserPatchRequest changes a user's role or disabled flag; absent fields
// stay as they are. Disabling a user revokes all of their sessions.
type UserPatchRequest struct {
	Role     *string `json:"role,omitempty" enum:"user,moderator,admin"`
	Disabled *bool   `json:"disabled,omitempty"`
}

type listUsersInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page."`
}

type patchUserInput struct {
	ID   string `path:"id" maxLength:"64"`
	Body UserPatchRequest
}

type listUsersOutput struct{ Body AdminUserList }
type adminUserOutput struct{ Body AdminUser }

func (s *Server) registerAdmin() {
	tags := []string{"admin"}
	meta := map[string]any{MetadataPermission: auth.PermUsersManage}
	huma.Register(s.api, huma.Operation{
		OperationID: "admin-list-users", Method: http.MethodGet, Path: "/api/admin/users", Tags: tags,
		Summary:  "List users",
		Security: BearerSecurity(),
		Metadata: meta,
		Errors:   []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *listUsersInput) (*listUsersOutput, error) {
		page, err := s.deps.Auth.ListUsers(ctx, mustPrincipal(ctx), storage.ListParams{Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		items := make([]AdminUser, len(page.Items))
		for i := range page.Items {
			items[i] = adminUser(&page.Items[i])
		}
		return &listUsersOutput{Body: AdminUserList{Items: items, NextCursor: page.NextCursor}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "admin-update-user", Method: http.MethodPatch, Path: "/api/admin/users/{id}", Tags: tags,
		Summary:     "Change a user's role or disabled flag",
		Description: "Disabling a user revokes all of their sessions at once. Admins cannot demote or disable themselves.",
		Security:    BearerSecurity(),
		Metadata:    meta,
		Errors: []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
			http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
	}, func(ctx context.Context, in *patchUserInput) (*adminUserOutput, error) {
		var patch auth.UserPatch
		if in.Body.Role != nil {
			r := auth.Role(*in.Body.Role)
			patch.Role = &r
		}
		patch.Disabled = in.Body.Disabled
		u, err := s.deps.Auth.UpdateUser(ctx, mustPrincipal(ctx), in.ID, patch)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &adminUserOutput{Body: adminUser(u)}, nil
	})
}
