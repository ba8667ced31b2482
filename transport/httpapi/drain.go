package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"
)

// ErrDraining is the cause of an ad hoc call's context when the server
// starts shutting down (see Server.Drain).
var ErrDraining = errors.New("the server is shutting down")

// drainRetryAfter is the Retry-After of the 503 a call cut short by a
// shutdown answers: another instance (or this one, restarted) takes it.
const drainRetryAfter = 1 * time.Second

// Drain tells the requests that could outlast a graceful shutdown to end
// now: GET /api/events long-polls answer at once with the events they
// have (possibly none), and the synchronous agent calls (POST
// /api/agents/research and /comment) are cancelled and answer 503 with
// Retry-After. Requests arriving after Drain behave the same way. Call it
// when shutdown begins, before http.Server.Shutdown, which then has only
// short requests left to wait for. Drain is idempotent and safe for
// concurrent use.
func (s *Server) Drain() { s.drainCancel(ErrDraining) }

// Draining returns a channel closed once Drain is called, for embedders'
// own long-running handlers.
func (s *Server) Draining() <-chan struct{} { return s.drainCtx.Done() }

// drainable returns ctx cancelled, with cause ErrDraining, when Drain is
// called; the caller must call stop when done.
func (s *Server) drainable(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(ctx)
	if s.drainCtx.Err() != nil {
		// Already draining: cut short now, not when AfterFunc's goroutine
		// gets to run (a fast call could finish first).
		cancel(ErrDraining)
	}
	unregister := context.AfterFunc(s.drainCtx, func() { cancel(ErrDraining) })
	return ctx, func() {
		unregister()
		cancel(context.Canceled)
	}
}

// drained reports whether ctx (from drainable) was cut short by Drain.
func drained(ctx context.Context) bool {
	return errors.Is(context.Cause(ctx), ErrDraining)
}

// shuttingDown is the 503 of a call cut short by Drain.
func shuttingDown() *Problem {
	return NewProblem(http.StatusServiceUnavailable, "the server is shutting down; retry, another instance will answer").
		WithHeader("Retry-After", strconv.Itoa(int(drainRetryAfter.Seconds())))
}
