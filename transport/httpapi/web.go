package httpapi

import (
	"net/http"
	"strings"
)

// webRoute is the route label of requests Deps.Web answers, in metrics,
// analytics and the access log.
const webRoute = "/*web"

// serveWeb hands a GET or HEAD that no route matched, outside /api/, to
// Deps.Web (the web app, its assets and /docs); it reports false when the
// request stays with the API's JSON 404.
func (s *Server) serveWeb(w http.ResponseWriter, r *http.Request) bool {
	if s.deps.Web == nil || (r.Method != http.MethodGet && r.Method != http.MethodHead) || isAPIPath(r.URL.Path) {
		return false
	}
	stateFrom(r.Context()).route = webRoute
	s.deps.Web.ServeHTTP(w, r)
	return true
}

// isAPIPath reports whether p is under /api, where unknown paths are JSON
// problems, never the app.
func isAPIPath(p string) bool {
	return p == "/api" || strings.HasPrefix(p, "/api/")
}
