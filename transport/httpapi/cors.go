package httpapi

import (
	"net/http"
	"strings"
)

// CORS answers.
const (
	corsAllowMethods  = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
	corsAllowHeaders  = "Authorization, Content-Type, X-Request-Id"
	corsExposeHeaders = "Retry-After, X-Request-Id, WWW-Authenticate"
	corsMaxAge        = "600"
)

// corsPolicy is an explicit allowlist of origins.
type corsPolicy struct {
	any     bool
	origins map[string]bool
}

func newCORSPolicy(origins []string) corsPolicy {
	p := corsPolicy{origins: map[string]bool{}}
	for _, o := range origins {
		n, err := normalizeOrigin(o)
		if err != nil {
			continue // Config.Validate refused it already
		}
		if n == "*" {
			p.any = true
			continue
		}
		p.origins[n] = true
	}
	return p
}

func (p corsPolicy) allows(origin string) bool {
	if origin == "" || origin == "null" {
		return false
	}
	return p.any || p.origins[strings.ToLower(origin)]
}

// corsMiddleware adds Access-Control-Allow-Origin (the echoed origin) for
// allowed origins only, and answers preflights itself: 204 with the
// allowed methods and headers for an allowed origin, a 403 problem without
// any CORS header for any other. Tokens travel in the Authorization header,
// never in cookies, so credentials are not allowed.
func (s *Server) corsMiddleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			next.ServeHTTP(w, r)
			return
		}
		h := w.Header()
		h.Add("Vary", "Origin")
		allowed := s.cors.allows(origin)
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			stateFrom(r.Context()).route = "preflight"
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
			if !allowed {
				NewProblem(http.StatusForbidden, "origin not allowed").write(w)
				return
			}
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Allow-Methods", corsAllowMethods)
			h.Set("Access-Control-Allow-Headers", corsAllowHeaders)
			h.Set("Access-Control-Max-Age", corsMaxAge)
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", corsExposeHeaders)
		}
		next.ServeHTTP(w, r)
	})
}
