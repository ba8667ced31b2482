package report

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Reporter receives failure reports. Report must not block the caller for
// long (adapters that send over the network queue the event) and must be
// safe for concurrent use. It never fails: an adapter that cannot deliver
// drops the event, logging why if it can.
type Reporter interface {
	Report(ctx context.Context, ev Event)
}

// Flusher is implemented by reporters that queue events: Flush waits until
// the queued events are sent or ctx ends.
type Flusher interface {
	Flush(ctx context.Context) error
}

// Event is one failure to report.
type Event struct {
	// Message says what failed, e.g. "request failed" or "run job
	// discarded"; together with Route and the error's text it makes the
	// fingerprint duplicates are recognised by.
	Message string
	// Err is the failure; its text is reported, so it must carry no
	// secrets (kpbot's errors do not).
	Err error
	// Panic is the recovered value when the failure was a panic.
	Panic any
	// ErrorID is the id the client was told (a 500's error_id); NewID
	// makes one.
	ErrorID string
	// RequestID, Route (the matched pattern), UserID, RunID and TraceID
	// tie the failure to its request, caller, crew run and trace; each is
	// empty when there is none.
	RequestID string
	Route     string
	UserID    string
	RunID     string
	TraceID   string
	// Site is where the failure happened when known, e.g. a panic's
	// "function file:line".
	Site string
	// Stack is the goroutine's stack (runtime/debug.Stack) where useful;
	// callers may send it only the first time a site fails, to keep
	// repeats short.
	Stack []byte
	// Repeats is how many identical events a Limit reporter held back
	// before this one.
	Repeats int
}

// Fingerprint identifies duplicates: the same message, route and error
// text (or panic value).
func (ev Event) Fingerprint() string {
	return ev.Message + "\x00" + ev.Route + "\x00" + ev.ErrText()
}

// ErrText is the error's text, or the panic value's, or "".
func (ev Event) ErrText() string {
	switch {
	case ev.Err != nil:
		return ev.Err.Error()
	case ev.Panic != nil:
		return panicText(ev.Panic)
	}
	return ""
}

// NewID returns a new random error id: 32 lowercase hex digits, the shape
// Sentry uses for event ids, so the id a client quotes is the event's id.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Tee reports every event to each of rs in turn.
func Tee(rs ...Reporter) Reporter { return tee(rs) }

type tee []Reporter

func (t tee) Report(ctx context.Context, ev Event) {
	for _, r := range t {
		r.Report(ctx, ev)
	}
}

// Flush flushes those of the reporters that queue.
func (t tee) Flush(ctx context.Context) error {
	var first error
	for _, r := range t {
		if f, ok := r.(Flusher); ok {
			if err := f.Flush(ctx); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}
