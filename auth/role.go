package auth

import (
	"fmt"
	"slices"
)

// Role is a user's role; it decides the user's permissions.
type Role string

// The roles, from least to most privileged.
const (
	RoleUser      Role = "user"
	RoleModerator Role = "moderator"
	RoleAdmin     Role = "admin"
)

// Roles lists every role, least privileged first.
var Roles = []Role{RoleUser, RoleModerator, RoleAdmin}

// Permission names one thing a role may do.
type Permission string

// The permissions of the roles table in docs/contract.md.
const (
	PermCampaignsOwn      Permission = "campaigns:own"
	PermCampaignsReadAll  Permission = "campaigns:read_all"
	PermCommentsReview    Permission = "comments:review"
	PermNotificationsRead Permission = "notifications:read_own"
	PermUsersManage       Permission = "users:manage"
	PermAnalyticsRead     Permission = "analytics:read"
)

var rolePermissions = map[Role][]Permission{
	RoleUser: {PermCampaignsOwn, PermNotificationsRead},
	RoleModerator: {PermCampaignsOwn, PermNotificationsRead,
		PermCampaignsReadAll, PermCommentsReview},
	RoleAdmin: {PermCampaignsOwn, PermNotificationsRead,
		PermCampaignsReadAll, PermCommentsReview, PermUsersManage, PermAnalyticsRead},
}

// ParseRole returns the role named s, or an error for an unknown name.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if _, ok := rolePermissions[r]; !ok {
		return "", fmt.Errorf("unknown role %q", s)
	}
	return r, nil
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool {
	_, ok := rolePermissions[r]
	return ok
}

// Permissions returns a copy of the role's permission list.
func (r Role) Permissions() []Permission {
	return slices.Clone(rolePermissions[r])
}

// Can reports whether the role grants p.
func (r Role) Can(p Permission) bool {
	return slices.Contains(rolePermissions[r], p)
}
