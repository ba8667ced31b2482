package httpapi

import (
	"github.com/danielgtaylor/huma/v2"
)

// apiTags are the OpenAPI document's root tags, in the order the reference
// shows them; every operation's tag is one of them.
func apiTags() []*huma.Tag {
	return []*huma.Tag{
		{Name: "auth", Description: "Accounts and sessions: register, log in, rotate refresh tokens, log out, list and revoke sessions. " +
			"Browsers may keep the refresh token in an HttpOnly cookie instead of the body: send `X-Kpbot-Refresh: cookie` (see the operations)."},
		{Name: "admin", Description: "User management and analytics, for admins only."},
		{Name: "campaigns", Description: "Outreach campaigns: keywords and seed blogs the crew works from, and the prospects (blog posts) it found."},
		{Name: "runs", Description: "Crew runs of a campaign: research, then comment drafting, as a durable background job with live progress."},
		{Name: "comments", Description: "Comment drafts for a person to review, approve or reject; kpbot never posts anything itself."},
		{Name: "agents", Description: "The registered agents, and synchronous one-off research and comment drafting."},
		{Name: "notifications", Description: "The caller's notifications (runs finished, drafts reviewed, ...)."},
		{Name: "events", Description: "The stored events of a topic, for clients without WebSockets (the same shape as the WebSocket's event messages)."},
		{Name: "realtime", Description: "Live events over a WebSocket; the messages are the `WS*` schemas."},
		{Name: "operations", Description: "Liveness, readiness and Prometheus metrics."},
	}
}

// defaultDescription describes an operation registered without a
// description of its own, by operation id ("" when there is none).
func defaultDescription(id string) string {
	switch id {
	case "admin-list-users":
		return "Lists every user, newest first, with role, permissions and whether the account is disabled. Admins only."
	case "list-agents":
		return "Lists the agents of the crew: name, role, goal and the tools each may use."
	case "me":
		return "Returns the account of the access token's user: id, email, name, role and the permissions the role grants."
	case "list-sessions":
		return "Lists the caller's active sessions, newest first; `current` marks the one of this request's token."
	case "validate":
		return "Checks the bearer access token and describes it; any invalid, expired or revoked token is 401."
	case "list-runs":
		return "Lists the runs of a campaign the caller may read, newest first."
	case "read-all-notifications":
		return "Marks every unread notification of the caller read and says how many changed."
	case "get-run":
		return "Returns one run with its status, progress (0..1), steps and stats. A run of a campaign the caller may not read is 404."
	case "healthz":
		return "Answers 200 while the process serves requests; it checks nothing else."
	case "metrics":
		return "Serves the Prometheus metrics (HTTP, WebSocket, runs, model tokens, Go runtime) in the text exposition format."
	case "readyz":
		return "Answers 200 when the database and the job queue answer within the readiness timeout, else 503."
	case "read-notification":
		return "Marks one of the caller's notifications read; another user's is 404."
	}
	return ""
}

// documentAPI completes huma's configuration of the document: the server
// (this origin) and the root tags.
func documentAPI(hc *huma.Config) {
	hc.Servers = []*huma.Server{{URL: "/", Description: "This server (the document's own origin)."}}
	hc.Tags = apiTags()
}

// documentOperation runs as every operation is added: an operation without
// a bearer requirement says so with `security: []`, one without a
// description gets its default (else its summary), and no array in the
// document is nullable (the API never sends null for a list).
func (s *Server) documentOperation(oapi *huma.OpenAPI, op *huma.Operation) {
	if op.Security == nil {
		op.Security = []map[string][]string{}
	}
	if op.Description == "" {
		op.Description = defaultDescription(op.OperationID)
		if op.Description == "" {
			op.Description = op.Summary + "."
		}
	}
	seen := map[*huma.Schema]bool{}
	if oapi.Components != nil && oapi.Components.Schemas != nil {
		for _, sc := range oapi.Components.Schemas.Map() {
			nonNullableArrays(sc, seen)
		}
	}
	if op.RequestBody != nil {
		for _, mt := range op.RequestBody.Content {
			nonNullableArrays(mt.Schema, seen)
		}
	}
	for _, r := range op.Responses {
		for _, mt := range r.Content {
			nonNullableArrays(mt.Schema, seen)
		}
	}
}

// nonNullableArrays marks every array schema in sc non-nullable: lists are
// always sent, empty as [] (DefaultArrayNullable is huma's global; this
// changes this document only).
func nonNullableArrays(sc *huma.Schema, seen map[*huma.Schema]bool) {
	if sc == nil || seen[sc] {
		return
	}
	seen[sc] = true
	if sc.Type == huma.TypeArray {
		sc.Nullable = false
	}
	nonNullableArrays(sc.Items, seen)
	for _, p := range sc.Properties {
		nonNullableArrays(p, seen)
	}
	if ap, ok := sc.AdditionalProperties.(*huma.Schema); ok {
		nonNullableArrays(ap, seen)
	}
	for _, list := range [][]*huma.Schema{sc.OneOf, sc.AnyOf, sc.AllOf} {
		for _, c := range list {
			nonNullableArrays(c, seen)
		}
	}
	nonNullableArrays(sc.Not, seen)
}
