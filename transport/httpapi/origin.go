package httpapi

import (
	"net/http"
	"net/url"
	"strings"
)

// AllowsOrigin reports whether a browser request from r's Origin may be
// served: no Origin (not a browser), the request's own host, or an origin
// on the CORS allowlist (Config.CORSOrigins). The WebSocket hub checks it
// before upgrading, since CORS does not protect WebSockets.
func (s *Server) AllowsOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if s.cors.allows(origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
