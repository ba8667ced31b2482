package realtime

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
)

// The WebSocket's messages as OpenAPI components (the WS* schemas), so a
// generated client types them. These types only document: the hub encodes
// and decodes its own (ws_protocol.go), and a test keeps both in step.

// WSAuthMessage authenticates a browser's socket: the first message,
// within AuthTimeout; sent again later it renews the token.
type WSAuthMessage struct {
	Type  string `json:"type" enum:"auth"`
	Token string `json:"token" doc:"An access token (JWT)."`
}

// WSSubscribeMessage follows topics.
type WSSubscribeMessage struct {
	Type   string   `json:"type" enum:"subscribe"`
	Topics []string `json:"topics" nullable:"false" minItems:"1" doc:"user (your own notifications), campaign:<id> or run:<id>."`
	Since  *int64   `json:"since,omitempty" minimum:"0" doc:"Replay each topic's stored events after this seq first, then follow live: no gap, no duplicate."`
}

// WSUnsubscribeMessage stops following topics.
type WSUnsubscribeMessage struct {
	Type   string   `json:"type" enum:"unsubscribe"`
	Topics []string `json:"topics" nullable:"false" minItems:"1"`
}

// WSPingMessage asks for a pong, for clients that cannot send ping frames.
type WSPingMessage struct {
	Type string `json:"type" enum:"ping"`
}

// WSAuthenticatedMessage acknowledges an auth message.
type WSAuthenticatedMessage struct {
	Type      string    `json:"type" enum:"authenticated"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at" doc:"When the token expires; send a fresh one with an auth message before, or the socket closes with 4401."`
}

// WSSubscribedMessage acknowledges one topic of a subscribe message.
type WSSubscribedMessage struct {
	Type  string `json:"type" enum:"subscribed"`
	Topic string `json:"topic"`
	Seq   int64  `json:"seq" doc:"The topic's last stored seq when the subscription began: with since, the events since+1..seq are replayed next, then live ones follow."`
}

// WSUnsubscribedMessage acknowledges one topic of an unsubscribe message.
type WSUnsubscribedMessage struct {
	Type  string `json:"type" enum:"unsubscribed"`
	Topic string `json:"topic"`
}

// WSPongMessage answers a ping message.
type WSPongMessage struct {
	Type string `json:"type" enum:"pong"`
}

// WSErrorMessage refuses a message or one topic; the socket stays open.
type WSErrorMessage struct {
	Type    string `json:"type" enum:"error"`
	Code    string `json:"code" enum:"forbidden,bad_request,too_many_topics,internal" doc:"forbidden: the caller may not read the topic; bad_request: a malformed message or topic; too_many_topics: the socket follows the most topics it may; internal: retry later."`
	Topic   string `json:"topic,omitempty" doc:"The refused topic, when one was."`
	Message string `json:"message"`
}

// wsCloseCodes are the close codes a client should know, with what each
// means (the WSCloseCode schema).
func wsCloseCodes() []struct {
	code int
	name string
	doc  string
} {
	return []struct {
		code int
		name string
		doc  string
	}{
		{1000, "Normal", "the socket was closed normally"},
		{1001, "GoingAway", "the server is shutting down: reconnect (to another instance) and resume with since"},
		{1008, "PolicyViolation", "the client broke the protocol"},
		{1009, "MessageTooBig", "a client message was too big"},
		{int(CloseTooSlow), "TooSlow", "the client read too slowly and its queue filled: reconnect and resume with since"},
		{int(CloseUnauthorized), "Unauthorized", "no or bad auth within 5 s, or the token expired or its session was revoked: refresh, reconnect, resume"},
		{int(CloseTooManySockets), "TooManySockets", "the user has too many sockets open"},
	}
}

// documentWS adds GET /api/ws and the WS* message schemas to the
// document. The event messages are the EventMessage schema the HTTP
// adapter documents for GET /api/events (the same shape, eventMessage).
func documentWS(api huma.API) {
	reg := api.OpenAPI().Components.Schemas
	ref := func(t reflect.Type) *huma.Schema { return reg.Schema(t, true, "") }
	schemas := reg.Map()
	schemas["WSClientMessage"] = &huma.Schema{
		Description: "A message the client sends (JSON text frames).",
		OneOf: []*huma.Schema{
			ref(reflect.TypeFor[WSAuthMessage]()), ref(reflect.TypeFor[WSSubscribeMessage]()),
			ref(reflect.TypeFor[WSUnsubscribeMessage]()), ref(reflect.TypeFor[WSPingMessage]()),
		},
	}
	schemas["WSServerMessage"] = &huma.Schema{
		Description: "A message the server sends (JSON text frames); `event` messages are EventMessage.",
		OneOf: []*huma.Schema{
			{Ref: "#/components/schemas/EventMessage"}, ref(reflect.TypeFor[WSAuthenticatedMessage]()),
			ref(reflect.TypeFor[WSSubscribedMessage]()), ref(reflect.TypeFor[WSUnsubscribedMessage]()),
			ref(reflect.TypeFor[WSPongMessage]()), ref(reflect.TypeFor[WSErrorMessage]()),
		},
	}
	codes := wsCloseCodes()
	closeCode := &huma.Schema{
		Type: huma.TypeInteger, Description: "The close codes of the socket:",
		Extensions: map[string]any{},
	}
	var names, docs []string
	for _, c := range codes {
		closeCode.Enum = append(closeCode.Enum, c.code)
		names = append(names, c.name)
		docs = append(docs, c.doc)
		closeCode.Description += "\n- " + strconv.Itoa(c.code) + ": " + c.doc
	}
	closeCode.Extensions["x-enum-varnames"] = names
	closeCode.Extensions["x-enum-descriptions"] = docs
	schemas["WSCloseCode"] = closeCode
	api.OpenAPI().AddOperation(wsOperation(api))
}

// bearerSecurity requires the document's HTTP bearer scheme (the access
// token the host server checks), whatever the host named it.
func bearerSecurity(api huma.API) []map[string][]string {
	for name, s := range api.OpenAPI().Components.SecuritySchemes {
		if s != nil && s.Type == "http" && strings.EqualFold(s.Scheme, "bearer") {
			return []map[string][]string{{name: {}}}
		}
	}
	return nil
}

// wsOperation documents GET /api/ws in the OpenAPI document; the route
// itself is a plain handler, and the messages are the WS* schemas.
func wsOperation(api huma.API) *huma.Operation {
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
			"Browsers must come from an origin on the CORS allowlist. " +
			"The messages are the schemas WSClientMessage (client to server) and WSServerMessage (server to client); " +
			"the close codes are WSCloseCode.",
		Security: bearerSecurity(api),
		Responses: map[string]*huma.Response{
			"101": {Description: "Switching Protocols: the WebSocket is open."},
			"401": {Description: "The bearer token on the upgrade is invalid."},
			"403": {Description: "The Origin is not on the CORS allowlist."},
			"429": {Description: "Too many open sockets for this user."},
			"503": {Description: "The server is shutting down; connect again."},
		},
	}
}
