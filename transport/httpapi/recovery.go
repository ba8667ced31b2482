package httpapi

import (
	"context"
	"net/http"
	"runtime/debug"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/report"
)

// recoverHTTP turns a panic in any plain handler into a 500 problem with an
// error id, logged with the stack. It runs deferred in ServeHTTP.
func (s *Server) recoverHTTP(rec *recorder, r *http.Request) {
	v := recover()
	if v == nil {
		return
	}
	if v == http.ErrAbortHandler { //nolint:errorlint // the sentinel is compared by identity
		panic(v) // the handler asked net/http to abort the response
	}
	p := s.panicked(r.Context(), v)
	if !rec.wroteHeader() {
		p.write(rec)
	}
}

// recoverHuma is the first huma middleware. huma's bunrouter adapter
// recovers handler panics itself and drops them (the response is an empty
// 200), so the recovery for huma operations has to sit inside huma.
func (s *Server) recoverHuma(ctx huma.Context, next func(huma.Context)) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		if v == http.ErrAbortHandler { //nolint:errorlint // the sentinel is compared by identity
			panic(v)
		}
		p := s.panicked(ctx.Context(), v)
		if ctx.Status() == 0 {
			p.writeHuma(ctx)
		}
	}()
	next(ctx)
}

// panicked reports a recovered panic with its stack under a new error id
// and returns the 500 to send.
func (s *Server) panicked(ctx context.Context, v any) *Problem {
	id := report.NewID()
	s.report(ctx, report.Event{Message: "panic while handling request", Panic: v, ErrorID: id, Stack: debug.Stack()})
	p := NewProblem(http.StatusInternalServerError, "internal error; quote error_id "+id+" when reporting it")
	p.ErrorID = id
	return p
}
