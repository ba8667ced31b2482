package realtime

import (
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/transport/httpapi"
)

// wsOperation documents GET /api/ws in the OpenAPI document; the route
// itself is a plain handler, since OpenAPI cannot describe the messages.
func wsOperation() *huma.Operation {
	return &huma.Operation{
		OperationID: "websocket",
		Method:      http.MethodGet,
		Path:        "/api/ws",
		Tags:        []string{"realtime"},
		Summary:     "Live events over WebSocket",
		Description: "Upgrades to a WebSocket. Authenticate with an `Authorization: Bearer <jwt>` header on the upgrade, " +
			"or send `{\"type\":\"auth\",\"token\":\"<jwt>\"}` first, within 5 s (else close 4401). " +
			"Subscribe with `{\"type\":\"subscribe\",\"topics\":[\"user\",\"campaign:<id>\",\"run:<id>\"],\"since\":<seq>}`: " +
			"stored events after `since` are replayed, then live ones follow with no gap or duplicate, as " +
			"`{\"type\":\"event\",\"topic\",\"seq\",\"event\",\"data\",\"at\"}`. A topic the caller may not read is refused with " +
			"`{\"type\":\"error\",\"code\":\"forbidden\",\"topic\"}`. Also sent: `subscribed`, `unsubscribed`, `authenticated`, `pong`. " +
			"Close codes: 4401 token expired or session revoked, 4008 too slow (resume with since), 4429 too many sockets, 1001 going away. " +
			"Browsers must come from an origin on the CORS allowlist.",
		Security: httpapi.BearerSecurity(),
		Responses: map[string]*huma.Response{
			"101": {Description: "Switching Protocols: the WebSocket is open."},
			"401": {Description: "The bearer token on the upgrade is invalid."},
			"403": {Description: "The Origin is not on the CORS allowlist."},
			"429": {Description: "Too many open sockets for this user."},
			"503": {Description: "The server is shutting down; connect again."},
		},
	}
}
