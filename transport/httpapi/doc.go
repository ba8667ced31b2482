// Package httpapi is kpbot's HTTP adapter: a bunrouter router with a huma
// API on top (OpenAPI 3.1 at /openapi.json, docs at /docs), the auth,
// admin, campaign, comment, run and agent endpoints of docs/contract.md (each
// domain's routes are registered when its service is in Deps), the
// operational endpoints (/healthz,
// /readyz, /metrics) and the middleware every route shares: request ids,
// panic recovery, JSON access logs, Prometheus metrics, CORS, security
// headers, body limits, client-IP resolution behind trusted proxies and
// per-IP rate limits, and the refusal, before the router, of paths,
// queries and bodies no route can mean (control characters, NUL in JSON,
// unreadable bodies). Every failure is an RFC 9457 problem document; serve
// through ProblemListener (with ProblemConnContext) so that net/http's own
// answers to unparsable requests are too.
//
// On shutdown call Server.Drain before http.Server.Shutdown: long-polls
// answer at once and the synchronous agent calls end with 503.
//
// Other transport packages add their routes to the same server: huma
// operations through Server.API (declare Security: BearerSecurity() to
// require a token and read the caller with PrincipalFrom), plain handlers
// (e.g. a WebSocket upgrade) through Server.Router, guarded by
// Server.RequireAuth.
package httpapi
