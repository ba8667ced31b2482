package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/auth"
)

// securitySchemeBearer names the bearer scheme in the OpenAPI document.
const securitySchemeBearer = "bearer"

// MetadataPermission is the huma.Operation.Metadata key naming the
// auth.Permission a bearer-protected operation requires; without it the
// caller gets 403 before the handler runs.
const MetadataPermission = "kpbot.permission"

// maxTokenLen bounds the bearer token accepted from a header.
const maxTokenLen = 4096

// BearerSecurity is the Operation.Security value of an operation that
// requires an access token: the server then authenticates every request
// to it (401 without a valid token) and the handler finds the caller with
// PrincipalFrom.
func BearerSecurity() []map[string][]string {
	return []map[string][]string{{securitySchemeBearer: {}}}
}

func requiresBearer(op *huma.Operation) bool {
	for _, req := range op.Security {
		if _, ok := req[securitySchemeBearer]; ok {
			return true
		}
	}
	return false
}

// authenticateHuma authenticates the requests of operations that declare
// BearerSecurity, and checks their MetadataPermission.
func (s *Server) authenticateHuma(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if !requiresBearer(op) {
		next(ctx)
		return
	}
	p, err := s.authenticate(ctx.Context(), ctx.Header("Authorization"))
	if err != nil {
		err.writeHuma(ctx)
		return
	}
	if perm, ok := op.Metadata[MetadataPermission].(auth.Permission); ok && !p.Can(perm) {
		s.Error(ctx.Context(), auth.ErrForbidden).writeHuma(ctx)
		return
	}
	stateFrom(ctx.Context()).principal = p
	next(huma.WithValue(ctx, principalKey{}, p))
}

// Authenticate checks the request's bearer token; the error is a *Problem
// (401) ready to send. It is for plain handlers, e.g. a WebSocket upgrade.
func (s *Server) Authenticate(r *http.Request) (*auth.Principal, error) {
	p, prob := s.authenticate(r.Context(), r.Header.Get("Authorization"))
	if prob != nil {
		return nil, prob
	}
	return p, nil
}

// AuthenticateToken checks a raw access token, e.g. one a browser sent in
// a WebSocket auth message; the error is a *Problem (401).
func (s *Server) AuthenticateToken(ctx context.Context, token string) (*auth.Principal, error) {
	if token == "" || len(token) > maxTokenLen {
		return nil, unauthorized("invalid or expired token", invalidTokenChallenge)
	}
	p, err := s.deps.Auth.Authenticate(ctx, token)
	if err != nil {
		return nil, s.Error(ctx, err)
	}
	return p, nil
}

// RequireAuth is a bunrouter middleware for plain handlers: 401 without a
// valid bearer token; the handler finds the caller with PrincipalFrom.
func (s *Server) RequireAuth(next bunrouter.HandlerFunc) bunrouter.HandlerFunc {
	return func(w http.ResponseWriter, req bunrouter.Request) error {
		p, err := s.Authenticate(req.Request)
		if err != nil {
			return err
		}
		return next(w, req.WithContext(WithPrincipal(req.Context(), p)))
	}
}

func (s *Server) authenticate(ctx context.Context, header string) (*auth.Principal, *Problem) {
	if header == "" {
		return nil, unauthorized("missing bearer token", wwwAuthenticate)
	}
	token, ok := bearerToken(header)
	if !ok {
		return nil, unauthorized("the Authorization header must be `Bearer <token>`", invalidTokenChallenge)
	}
	p, err := s.AuthenticateToken(ctx, token)
	if err != nil {
		return nil, s.Error(ctx, err)
	}
	return p, nil
}

// bearerToken extracts the token of an `Authorization: Bearer <token>`
// header; the scheme is case-insensitive.
func bearerToken(h string) (string, bool) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	if tok == "" || len(tok) > maxTokenLen || strings.ContainsAny(tok, " \t") {
		return "", false
	}
	return tok, true
}
