package httpapi

import (
	"net/http"
	"strings"
)

// apiCSP forbids everything: API responses are data, never documents.
const apiCSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// docsCSP lets /docs load Stoplight Elements from unpkg and fetch the
// OpenAPI document from this origin (the page huma serves).
const docsCSP = "default-src 'none'; base-uri 'none'; connect-src 'self'; form-action 'none'; " +
	"frame-ancestors 'none'; img-src 'self' data: https:; font-src https://unpkg.com data:; " +
	"script-src https://unpkg.com/@stoplight/elements@9.0.15/web-components.min.js; " +
	"style-src 'unsafe-inline' https://unpkg.com/@stoplight/elements@9.0.15/styles.min.css"

// docsPath is where huma serves the interactive documentation.
const docsPath = "/docs"

// securityHeaders sets the headers every response carries.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, st := w.Header(), stateFrom(r.Context())
		st.setHeader(h, "X-Content-Type-Options", "nosniff")
		st.setHeader(h, "X-Frame-Options", "DENY")
		st.setHeader(h, "Referrer-Policy", "no-referrer")
		st.setHeader(h, "Cross-Origin-Opener-Policy", "same-origin")
		if r.URL.Path == docsPath {
			st.setHeader(h, "Content-Security-Policy", docsCSP)
		} else {
			st.setHeader(h, "Content-Security-Policy", apiCSP)
		}
		if strings.HasPrefix(r.URL.Path, "/api/") {
			st.setHeader(h, "Cache-Control", "no-store") // personal data; handlers may relax it
		}
		if r.TLS != nil {
			st.setHeader(h, "Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}
