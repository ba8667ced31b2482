package httpapi

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
)

// The browser token flow (README.md, "Browser sessions"): a client that
// sends RefreshModeHeader: RefreshModeCookie to register, login, refresh or
// logout keeps its refresh token in an HttpOnly cookie the page's scripts
// never see, instead of in the JSON body.
const (
	// RefreshModeHeader opts a request into the cookie flow; its only
	// value is RefreshModeCookie. Without it the cookie is ignored.
	RefreshModeHeader = "X-Kpbot-Refresh"
	// RefreshModeCookie is the value of RefreshModeHeader.
	RefreshModeCookie = "cookie"
	// RefreshCookieName names the cookie holding the refresh token.
	RefreshCookieName = "kpbot_refresh"
	// refreshCookiePath scopes the cookie to the auth endpoints.
	refreshCookiePath = "/api/auth"
)

const refreshModeDoc = "`cookie`: the browser flow. The refresh token is set in an HttpOnly, SameSite=Strict cookie " +
	"`kpbot_refresh` (Path=/api/auth; Secure over TLS) and the body's `refresh_token` is empty. Without this header " +
	"the cookie is ignored."

// secureKey marks, in a huma context, whether the request reached us over
// TLS (directly or through a trusted proxy).
type secureKey struct{}

// markSecure is the huma middleware of the cookie-flow operations: it
// records whether the request came over TLS, for the cookie's Secure
// attribute.
func (s *Server) markSecure(ctx huma.Context, next func(huma.Context)) {
	next(huma.WithValue(ctx, secureKey{}, s.secureRequest(ctx)))
}

// secureRequest reports whether the client used https: the connection is
// TLS, or a trusted proxy says so in X-Forwarded-Proto (the right-most
// entry, the one the nearest proxy wrote).
func (s *Server) secureRequest(ctx huma.Context) bool {
	if ctx.TLS() != nil {
		return true
	}
	peer, ok := peerAddr(ctx.RemoteAddr())
	if !ok || !s.trusted(peer) {
		return false
	}
	proto := ctx.Header("X-Forwarded-Proto")
	if i := strings.LastIndexByte(proto, ','); i >= 0 {
		proto = proto[i+1:]
	}
	return strings.EqualFold(strings.TrimSpace(proto), "https")
}

func isSecure(ctx context.Context) bool {
	secure, _ := ctx.Value(secureKey{}).(bool)
	return secure
}

// refreshCookie is the Set-Cookie value carrying a new refresh token; it
// lives as long as the session may.
func refreshCookie(ctx context.Context, r *auth.AuthResult) string {
	now := r.Tokens.AccessExpiresAt.Add(-r.Tokens.ExpiresIn)
	maxAge := int(r.Session.ExpiresAt.Sub(now) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	c := &http.Cookie{
		Name: RefreshCookieName, Value: r.Tokens.RefreshToken, Path: refreshCookiePath, MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: isSecure(ctx),
	}
	return c.String()
}

// clearRefreshCookie is the Set-Cookie value that removes the cookie.
func clearRefreshCookie(ctx context.Context) string {
	c := &http.Cookie{
		Name: RefreshCookieName, Value: "", Path: refreshCookiePath, MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: isSecure(ctx),
	}
	return c.String()
}

// tokenResult answers register, login or refresh: in the cookie flow the
// refresh token goes to the cookie and the body's is empty.
func tokenResult(ctx context.Context, r *auth.AuthResult, mode string) *tokenOutput {
	out := newTokenOutput(r)
	if mode == RefreshModeCookie {
		out.SetCookie = refreshCookie(ctx, r)
		out.Body.RefreshToken = ""
	}
	return out
}

// refreshFailure is the error of a failed refresh; in the cookie flow a
// 401 also removes the cookie (its token is dead), while a 409 from the
// reuse grace window leaves it: another tab has just set its successor.
func (s *Server) refreshFailure(ctx context.Context, err error, mode string) error {
	p := s.Error(ctx, err)
	if mode == RefreshModeCookie && p.Status == http.StatusUnauthorized {
		p.WithHeader("Set-Cookie", clearRefreshCookie(ctx))
	}
	return p
}

// refreshTokenOf picks the refresh token of a refresh request: the body's
// when non-empty, else, in the cookie flow only, the cookie's. In the JSON
// flow a missing refresh_token is a 422, as for any required field.
func refreshTokenOf(in *refreshInput) (string, error) {
	if in.Body.RefreshToken != nil && *in.Body.RefreshToken != "" {
		return *in.Body.RefreshToken, nil
	}
	if in.RefreshMode == RefreshModeCookie {
		if in.RefreshCookie == "" {
			return "", auth.ErrInvalidToken
		}
		return in.RefreshCookie, nil
	}
	if in.Body.RefreshToken == nil {
		return "", NewProblem(http.StatusUnprocessableEntity, "validation failed").
			WithField("body.refresh_token", "expected required property refresh_token to be present")
	}
	return "", auth.ErrInvalidToken
}
