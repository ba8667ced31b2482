package httpapi

import (
	"time"

	"github.com/kpbot/kpbot/auth"
)

// UserResponse is a user as its owner sees it (GET /api/auth/me).
type UserResponse struct {
	ID          string    `json:"id" doc:"Opaque user id."`
	Email       string    `json:"email" doc:"Lower-cased email address."`
	Name        string    `json:"name"`
	Role        string    `json:"role" enum:"user,moderator,admin"`
	Permissions []string  `json:"permissions" doc:"What the role may do."`
	CreatedAt   time.Time `json:"created_at" doc:"RFC 3339, UTC."`
	// EmailVerified is additive: older clients ignore it.
	EmailVerified bool `json:"email_verified" doc:"Whether the user opened the verification link sent to their address."`
}

func userResponse(u *auth.User) UserResponse {
	perms := u.Role.Permissions()
	out := make([]string, len(perms))
	for i, p := range perms {
		out[i] = string(p)
	}
	return UserResponse{
		ID: u.ID, Email: u.Email, Name: u.Name, Role: string(u.Role),
		Permissions: out, CreatedAt: u.CreatedAt.UTC(), EmailVerified: u.EmailVerified(),
	}
}

// AdminUser is a user as an admin sees it.
type AdminUser struct {
	UserResponse
	Disabled  bool      `json:"disabled"`
	UpdatedAt time.Time `json:"updated_at" doc:"RFC 3339, UTC."`
}

func adminUser(u *auth.User) AdminUser {
	return AdminUser{UserResponse: userResponse(u), Disabled: u.Disabled, UpdatedAt: u.UpdatedAt.UTC()}
}

// TokenResponse answers register, login and refresh.
type TokenResponse struct {
	User         UserResponse `json:"user"`
	AccessToken  string       `json:"access_token" doc:"JWT for the Authorization: Bearer header."`
	RefreshToken string       `json:"refresh_token" doc:"Opaque; trade it at /api/auth/refresh. Single use. Empty in the cookie flow (X-Kpbot-Refresh: cookie), where the cookie carries it."`
	TokenType    string       `json:"token_type" enum:"Bearer"`
	ExpiresIn    int64        `json:"expires_in" doc:"Seconds until the access token expires."`
}

// tokenOutput is a token response that no cache may keep.
type tokenOutput struct {
	CacheControl string `header:"Cache-Control"`
	Pragma       string `header:"Pragma"`
	SetCookie    string `header:"Set-Cookie" doc:"With X-Kpbot-Refresh: cookie: the kpbot_refresh cookie holding the new refresh token."`
	Body         TokenResponse
}

func newTokenOutput(r *auth.AuthResult) *tokenOutput {
	return &tokenOutput{
		CacheControl: "no-store",
		Pragma:       "no-cache",
		Body: TokenResponse{
			User:         userResponse(r.User),
			AccessToken:  r.Tokens.AccessToken,
			RefreshToken: r.Tokens.RefreshToken,
			TokenType:    "Bearer",
			ExpiresIn:    int64(r.Tokens.ExpiresIn / time.Second),
		},
	}
}

// SessionResponse is one of the caller's sessions.
type SessionResponse struct {
	ID         string    `json:"id"`
	CreatedAt  time.Time `json:"created_at" doc:"RFC 3339, UTC."`
	LastUsedAt time.Time `json:"last_used_at" doc:"Last login or refresh; RFC 3339, UTC."`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	Current    bool      `json:"current" doc:"Whether this request's token belongs to this session."`
}
