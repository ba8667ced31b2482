package realtime

import (
	"encoding/json"
	"time"

	"github.com/coder/websocket"

	"github.com/kpbot/kpbot/events"
)

// Close codes the hub sends, besides the protocol's own (1001 going away
// at shutdown, 1009 message too big, 1008 policy violation).
const (
	// CloseUnauthorized: no auth within AuthTimeout, a bad first message,
	// an invalid token, or a token that expired or whose session was
	// revoked while connected.
	CloseUnauthorized websocket.StatusCode = 4401
	// CloseTooSlow: the client did not read fast enough and its send queue
	// filled up; reconnect and resubscribe with since.
	CloseTooSlow websocket.StatusCode = 4008
	// CloseTooManySockets: the user already has MaxSocketsPerUser sockets
	// open (a first-message auth; with header auth the upgrade is 429).
	CloseTooManySockets websocket.StatusCode = 4429
)

// Error codes of {"type":"error"} messages.
const (
	CodeForbidden     = "forbidden"       // the caller may not read the topic
	CodeBadRequest    = "bad_request"     // malformed message or topic
	CodeTooManyTopics = "too_many_topics" // MaxTopicsPerSocket reached
	CodeInternal      = "internal"        // the server could not serve the topic; retry
)

// inMessage is any message a client sends.
type inMessage struct {
	Type   string   `json:"type"`
	Token  string   `json:"token,omitempty"`
	Topics []string `json:"topics,omitempty"`
	Since  *int64   `json:"since,omitempty"`
}

// subscribedMessage acknowledges one topic of a subscribe message. Seq is
// the topic's last stored seq when the subscription began: with since,
// the events since+1..seq are replayed next, then live ones follow.
type subscribedMessage struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
	Seq   int64  `json:"seq"`
}

// unsubscribedMessage acknowledges one topic of an unsubscribe message.
type unsubscribedMessage struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
}

// errorMessage reports a refused message or topic; the socket stays open.
type errorMessage struct {
	Type    string `json:"type"`
	Code    string `json:"code"`
	Topic   string `json:"topic,omitempty"`
	Message string `json:"message"`
}

// authenticatedMessage answers an auth message.
type authenticatedMessage struct {
	Type      string    `json:"type"`
	UserID    string    `json:"user_id"`
	ExpiresAt time.Time `json:"expires_at"`
}

// eventMessage is one stored event, in the shape GET /api/events lists
// it (the EventMessage schema).
type eventMessage struct {
	Type  string          `json:"type"`
	Topic string          `json:"topic"`
	Seq   int64           `json:"seq"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
	At    time.Time       `json:"at"`
}

// newEventMessage returns the message of a stored event; the reader's own
// user topic is spelt "user".
func newEventMessage(ev events.Event) eventMessage {
	return eventMessage{Type: "event", Topic: events.ClientTopic(ev.Topic), Seq: ev.Seq, Event: ev.Name, Data: ev.Data, At: ev.At.UTC()}
}

// typeOnly is a message with nothing but its type (pong).
type typeOnly struct {
	Type string `json:"type"`
}

// mustJSON encodes one of the message types above, which always encode.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("realtime: encode message: " + err.Error())
	}
	return b
}
