package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/uptrace/bunrouter"
)

// notFound answers requests no route matches: the web app (Deps.Web)
// outside /api/, else a JSON 404.
func (s *Server) notFound(w http.ResponseWriter, req bunrouter.Request) error {
	if s.serveWeb(w, req.Request) {
		return nil
	}
	NewProblem(http.StatusNotFound, "no such endpoint").write(w)
	return nil
}

// methodNotAllowed answers a known path with an unknown method, listing
// the documented methods of that path in Allow.
func (s *Server) methodNotAllowed(w http.ResponseWriter, req bunrouter.Request) error {
	p := NewProblem(http.StatusMethodNotAllowed, "method "+methodLabel(req.Method)+" is not allowed here")
	if allow := s.allowedMethods(req.Route()); allow != "" {
		p.WithHeader("Allow", allow)
	}
	p.write(w)
	return nil
}

// allowedMethods lists the documented methods of a bunrouter pattern
// (":id" segments are "{id}" in the OpenAPI document).
func (s *Server) allowedMethods(route string) string {
	segs := strings.Split(route, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, ":") {
			segs[i] = "{" + seg[1:] + "}"
		}
	}
	item := s.api.OpenAPI().Paths[strings.Join(segs, "/")]
	if item == nil {
		return ""
	}
	var methods []string
	for m, op := range map[string]*huma.Operation{
		http.MethodGet: item.Get, http.MethodPost: item.Post, http.MethodPut: item.Put,
		http.MethodPatch: item.Patch, http.MethodDelete: item.Delete,
	} {
		if op != nil {
			methods = append(methods, m)
		}
	}
	slices.Sort(methods)
	return strings.Join(methods, ", ")
}
