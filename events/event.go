package events

import (
	"encoding/json"
	"fmt"
	"time"
)

// Event names of the WebSocket contract, declared here once: package
// agents (the run events it emits) and package notify (its notification
// kinds) refer to these.
const (
	RunQueued       = "run.queued"
	RunStarted      = "run.started"
	RunProgress     = "run.progress"
	RunSucceeded    = "run.succeeded"
	RunFailed       = "run.failed"
	RunCancelled    = "run.cancelled"
	RunWarning      = "run.warning"
	ProspectFound   = "prospect.found"
	CommentDrafted  = "comment.drafted"
	CommentReviewed = "comment.reviewed"
	Notification    = "notification"
)

// MaxNameLen is the longest event name a Log accepts, in bytes.
const MaxNameLen = 64

// Names returns the event names of the contract, in its order.
func Names() []string {
	return []string{RunQueued, RunStarted, RunProgress, RunSucceeded, RunFailed,
		RunCancelled, RunWarning, ProspectFound, CommentDrafted, CommentReviewed, Notification}
}

// Event is one stored event on one topic. An event appended to several
// topics is stored once per topic, each copy with that topic's own Seq.
type Event struct {
	// Topic is where the event was appended: "user:<id>", "campaign:<id>",
	// "run:<id>".
	Topic string
	// Seq counts 1, 2, 3, ... per topic, with no holes except those that
	// retention (Log.Prune) cuts at the old end.
	Seq int64
	// Name is what happened: RunProgress, ProspectFound, Notification, ...
	Name string
	// Data is the event's JSON payload, an object unless the emitter chose
	// otherwise.
	Data json.RawMessage
	// At is when the event was stored, UTC, to the microsecond.
	At time.Time
}

// CheckName reports whether name is acceptable as an event name: 1 to
// MaxNameLen bytes of printable ASCII without spaces. Names outside the
// contract's list are allowed, so embedders can add their own.
func CheckName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("%w: name must be 1 to %d bytes, got %d", ErrInvalidEvent, MaxNameLen, len(name))
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: name %q has a character that is not printable ASCII", ErrInvalidEvent, name)
		}
	}
	return nil
}

// EncodeData turns an event payload into JSON: a json.RawMessage or []byte
// is taken as JSON already and must be valid, nil becomes {}, anything else
// goes through json.Marshal.
func EncodeData(data any) (json.RawMessage, error) {
	var raw []byte
	switch d := data.(type) {
	case nil:
		return json.RawMessage("{}"), nil
	case json.RawMessage:
		raw = d
	case []byte:
		raw = d
	default:
		b, err := json.Marshal(data)
		if err != nil {
			return nil, fmt.Errorf("%w: encode data: %w", ErrInvalidEvent, err)
		}
		return b, nil
	}
	if len(raw) == 0 {
		return json.RawMessage("{}"), nil
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("%w: data is not valid JSON", ErrInvalidEvent)
	}
	return json.RawMessage(append([]byte(nil), raw...)), nil
}
