package httpapi

import (
	"context"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

// RegisterRequest is a self-service sign-up. Any other field (a role, say)
// is refused with 422: new users are always "user".
type RegisterRequest struct {
	Email    string `json:"email" maxLength:"254" doc:"Trimmed, NFKC-normalised and compared by its case-folded key (see auth.ParseEmail); an address that looks like a registered one is 409."`
	Password string `json:"password" maxLength:"1024" doc:"At least 8 characters, no NUL; longer than 72 bytes is fine (pre-hashed)."`
	Name     string `json:"name,omitempty" maxLength:"100"`
}

// LoginRequest is an email and password.
type LoginRequest struct {
	Email    string `json:"email" maxLength:"254"`
	Password string `json:"password" maxLength:"1024"`
}

// RefreshRequest trades a refresh token for a new pair.
type RefreshRequest struct {
	RefreshToken *string `json:"refresh_token,omitempty" maxLength:"128" doc:"Required, unless the request sends X-Kpbot-Refresh: cookie and the token is in the kpbot_refresh cookie (a non-empty value here wins)."`
}

// LogoutRequest optionally names a refresh token whose session (another of
// the caller's) to revoke too.
type LogoutRequest struct {
	RefreshToken string `json:"refresh_token,omitempty" maxLength:"128"`
}

// ValidateResponse describes a valid access token.
type ValidateResponse struct {
	Valid     bool      `json:"valid"`
	UserID    string    `json:"user_id"`
	Role      string    `json:"role" enum:"user,moderator,admin"`
	SessionID string    `json:"session_id"`
	ExpiresAt time.Time `json:"expires_at" doc:"The access token's expiry; RFC 3339, UTC."`
}

// SessionList is a page of the caller's sessions, newest first.
type SessionList struct {
	Items      []SessionResponse `json:"items"`
	NextCursor string            `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last."`
}

type registerInput struct {
	RefreshMode string `header:"X-Kpbot-Refresh" enum:"cookie" doc:"cookie: the browser flow (the refresh token travels in the kpbot_refresh cookie, never in the body)."`
	Body        RegisterRequest
}
type loginInput struct {
	RefreshMode string `header:"X-Kpbot-Refresh" enum:"cookie" doc:"cookie: the browser flow (the refresh token travels in the kpbot_refresh cookie, never in the body)."`
	Body        LoginRequest
}
type refreshInput struct {
	RefreshMode   string `header:"X-Kpbot-Refresh" enum:"cookie" doc:"cookie: the browser flow (the refresh token travels in the kpbot_refresh cookie, never in the body)."`
	RefreshCookie string `cookie:"kpbot_refresh" doc:"The refresh token of the browser flow; ignored without X-Kpbot-Refresh: cookie."`
	Body          RefreshRequest
}
type logoutInput struct {
	RefreshMode   string `header:"X-Kpbot-Refresh" enum:"cookie" doc:"cookie: the browser flow (the refresh token travels in the kpbot_refresh cookie, never in the body)."`
	RefreshCookie string `cookie:"kpbot_refresh" doc:"The refresh token of the browser flow; ignored without X-Kpbot-Refresh: cookie."`
	Body          *LogoutRequest
}
type logoutOutput struct {
	SetCookie string `header:"Set-Cookie" doc:"In the cookie flow: removes the kpbot_refresh cookie."`
}
type noInput struct{}
type noContent struct{}

type meOutput struct{ Body UserResponse }
type validateOutput struct{ Body ValidateResponse }
type sessionsOutput struct{ Body SessionList }

type sessionsInput struct {
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page."`
}

type sessionIDInput struct {
	ID string `path:"id" maxLength:"64"`
}

func (s *Server) registerAuth() {
	tags := []string{"auth"}
	huma.Register(s.api, huma.Operation{
		OperationID: "register", Method: http.MethodPost, Path: "/api/auth/register", Tags: tags,
		Summary:       "Create an account",
		Description:   "Creates a user with role `user` and opens a first session. A duplicate email (in any case) is 409. When the server takes accounts by invitation only (KPBOT_REGISTRATION=invite), 403. Rate limited per client IP. " + refreshModeDoc,
		DefaultStatus: http.StatusCreated,
		Middlewares:   huma.Middlewares{s.limitByIP("register"), s.markSecure},
		Errors:        []int{http.StatusBadRequest, http.StatusForbidden, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}, func(ctx context.Context, in *registerInput) (*tokenOutput, error) {
		if p := emailProblem(in.Body.Email); p != nil {
			return nil, p
		}
		res, err := s.deps.Auth.Register(ctx, auth.RegisterInput{
			Email: in.Body.Email, Password: in.Body.Password, Name: in.Body.Name,
		}, clientInfo(ctx))
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return tokenResult(ctx, res, in.RefreshMode), nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "login", Method: http.MethodPost, Path: "/api/auth/login", Tags: tags,
		Summary:     "Log in",
		Description: "Opens a session. A wrong email and a wrong password give the same 401. Too many failures for one email within the window, or too many requests from one client IP, give 429 with Retry-After. " + refreshModeDoc,
		Middlewares: huma.Middlewares{s.limitByIP("login"), s.markSecure},
		Errors:      []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}, func(ctx context.Context, in *loginInput) (*tokenOutput, error) {
		if p := emailProblem(in.Body.Email); p != nil {
			return nil, p
		}
		res, err := s.deps.Auth.Login(ctx, in.Body.Email, in.Body.Password, clientInfo(ctx))
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return tokenResult(ctx, res, in.RefreshMode), nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "refresh", Method: http.MethodPost, Path: "/api/auth/refresh", Tags: tags,
		Summary: "Rotate a refresh token",
		Description: "Returns a new access/refresh pair; the presented refresh token stops working. " +
			"Presenting an already-rotated token is 401 and revokes its whole session; within the configured grace window " +
			"its immediate predecessor is 409 instead and revokes nothing. " +
			"With `X-Kpbot-Refresh: cookie` the token is read from the kpbot_refresh cookie when the body has none (send `{}`), " +
			"the new one is set in that cookie, and a 401 removes the cookie. Without the header the cookie is ignored.",
		Middlewares: huma.Middlewares{s.limitByIP("refresh"), s.markSecure},
		Errors:      []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusConflict, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusTooManyRequests, http.StatusServiceUnavailable},
	}, func(ctx context.Context, in *refreshInput) (*tokenOutput, error) {
		token, err := refreshTokenOf(in)
		if err != nil {
			return nil, s.refreshFailure(ctx, err, in.RefreshMode)
		}
		res, err := s.deps.Auth.Refresh(ctx, token, clientInfo(ctx))
		if err != nil {
			return nil, s.refreshFailure(ctx, err, in.RefreshMode)
		}
		return tokenResult(ctx, res, in.RefreshMode), nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "me", Method: http.MethodGet, Path: "/api/auth/me", Tags: tags,
		Summary:  "The caller's account",
		Security: BearerSecurity(),
		Errors:   []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *noInput) (*meOutput, error) {
		p := mustPrincipal(ctx)
		return &meOutput{Body: userResponse(p.User)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "validate", Method: http.MethodGet, Path: "/api/auth/validate", Tags: tags,
		Summary:  "Check an access token",
		Security: BearerSecurity(),
		Errors:   []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *noInput) (*validateOutput, error) {
		p := mustPrincipal(ctx)
		return &validateOutput{Body: ValidateResponse{
			Valid: true, UserID: p.User.ID, Role: string(p.Role()),
			SessionID: p.SessionID, ExpiresAt: p.ExpiresAt.UTC(),
		}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "logout", Method: http.MethodPost, Path: "/api/auth/logout", Tags: tags,
		Summary: "Log out",
		Description: "Revokes the caller's session (its refresh token and access tokens). The body is optional; a refresh_token of another of the caller's sessions revokes that one too. " +
			"With `X-Kpbot-Refresh: cookie` the kpbot_refresh cookie's token counts as that refresh_token (when the body has none) and the cookie is removed.",
		DefaultStatus: http.StatusNoContent,
		Security:      BearerSecurity(),
		Middlewares:   huma.Middlewares{s.markSecure},
		Errors:        []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
	}, func(ctx context.Context, in *logoutInput) (*logoutOutput, error) {
		var refresh string
		if in.Body != nil {
			refresh = in.Body.RefreshToken
		}
		out := &logoutOutput{}
		if in.RefreshMode == RefreshModeCookie {
			if refresh == "" {
				refresh = in.RefreshCookie
			}
			out.SetCookie = clearRefreshCookie(ctx)
		}
		if err := s.deps.Auth.Logout(ctx, mustPrincipal(ctx), refresh); err != nil {
			return nil, s.Error(ctx, err)
		}
		return out, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-sessions", Method: http.MethodGet, Path: "/api/auth/sessions", Tags: tags,
		Summary:  "The caller's active sessions",
		Security: BearerSecurity(),
		Errors:   []int{http.StatusUnauthorized},
	}, func(ctx context.Context, in *sessionsInput) (*sessionsOutput, error) {
		p := mustPrincipal(ctx)
		all, err := s.deps.Auth.Sessions(ctx, p)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		page, next, err := pageSessions(all, in.Limit, in.Cursor)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		items := make([]SessionResponse, len(page))
		for i, se := range page {
			items[i] = SessionResponse{
				ID: se.ID, CreatedAt: se.CreatedAt.UTC(), LastUsedAt: se.LastUsedAt.UTC(),
				UserAgent: se.UserAgent, IP: se.IP, Current: se.ID == p.SessionID,
			}
		}
		return &sessionsOutput{Body: SessionList{Items: items, NextCursor: next}}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "revoke-session", Method: http.MethodDelete, Path: "/api/auth/sessions/{id}", Tags: tags,
		Summary:       "Revoke one of the caller's sessions",
		Description:   "Another user's session, or an unknown id, is 404.",
		DefaultStatus: http.StatusNoContent,
		Security:      BearerSecurity(),
		Errors:        []int{http.StatusUnauthorized, http.StatusNotFound},
	}, func(ctx context.Context, in *sessionIDInput) (*noContent, error) {
		if err := s.deps.Auth.RevokeSession(ctx, mustPrincipal(ctx), in.ID); err != nil {
			return nil, s.Error(ctx, err)
		}
		return &noContent{}, nil
	})
}

// mustPrincipal returns the caller of an operation declared with
// BearerSecurity; authenticateHuma guarantees there is one.
func mustPrincipal(ctx context.Context) *auth.Principal {
	p, ok := PrincipalFrom(ctx)
	if !ok {
		panic("httpapi: bearer-protected operation without a principal")
	}
	return p
}

// pageSessions cuts the full, newest-first session list into a page. The
// cursor is the base64url id of the last session of the previous page.
func pageSessions(all []auth.Session, limit int, cursor string) ([]auth.Session, string, error) {
	limit = storage.ClampLimit(limit)
	start := 0
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		if err != nil {
			return nil, "", &auth.ValidationError{Field: "cursor", Message: "is not a valid cursor"}
		}
		start = -1
		for i := range all {
			if all[i].ID == string(raw) {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return nil, "", &auth.ValidationError{Field: "cursor", Message: "is not a valid cursor"}
		}
	}
	end := min(start+limit, len(all))
	page := all[start:end]
	next := ""
	if end < len(all) && len(page) > 0 {
		next = base64.RawURLEncoding.EncodeToString([]byte(page[len(page)-1].ID))
	}
	return page, next, nil
}

// emailProblem refuses, at the edge, an e-mail address with control
// characters (NUL included) once trimmed: no address has one, and a NUL
// must not reach the database. The 422 says nothing about accounts.
func emailProblem(email string) *Problem {
	if !strings.ContainsFunc(strings.TrimSpace(email), unicode.IsControl) {
		return nil
	}
	return NewProblem(http.StatusUnprocessableEntity, "validation failed").
		WithField("body.email", "must not contain control characters")
}
