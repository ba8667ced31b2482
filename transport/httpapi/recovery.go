package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"

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

// panicked reports a recovered panic under a new error id and returns
// the 500 to send. The report carries the stack the first time a panic
// site is seen (see panicSites); a repeat is one short line, so a request
// that triggers a panic cannot flood the log.
func (s *Server) panicked(ctx context.Context, v any) *Problem {
	id := report.NewID()
	site, stack := panicSite()
	ev := report.Event{Message: "panic while handling request", Panic: truncate(fmt.Sprint(v), maxPanicText), ErrorID: id, Site: site}
	if s.panics.first(site) {
		ev.Stack = []byte(truncate(stack, maxStack))
	}
	s.report(ctx, ev)
	p := NewProblem(http.StatusInternalServerError, "internal error; quote error_id "+id+" when reporting it")
	p.ErrorID = id
	return p
}

// Bounds of a logged panic.
const (
	maxPanicText = 512
	maxStack     = 16 << 10
	maxSites     = 256
)

// panicSites remembers the panic sites (and the sites of internal errors)
// whose stack was reported. Past maxSites distinct sites no more stacks
// are reported.
type panicSites struct {
	mu   sync.Mutex
	seen map[string]struct{}
}

// first reports whether site is new, and remembers it.
func (p *panicSites) first(site string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.seen[site]; ok {
		return false
	}
	if len(p.seen) >= maxSites {
		return false
	}
	if p.seen == nil {
		p.seen = map[string]struct{}{}
	}
	p.seen[site] = struct{}{}
	return true
}

// panicSite returns where the panic being recovered was raised, as
// "function file:line" of the innermost frame outside the runtime, and the
// goroutine's stack.
func panicSite() (site, stack string) {
	pcs := make([]uintptr, 32)
	n := runtime.Callers(3, pcs) // skip Callers, panicSite, panicked
	frames := runtime.CallersFrames(pcs[:n])
	afterPanic := false
	for {
		f, more := frames.Next()
		if f.Function == "runtime.gopanic" || strings.HasPrefix(f.Function, "runtime.panic") {
			afterPanic = true
		} else if afterPanic && !strings.HasPrefix(f.Function, "runtime.") {
			site = f.Function + " " + f.File + ":" + strconv.Itoa(f.Line)
			break
		}
		if !more {
			break
		}
	}
	if site == "" {
		site = "unknown"
	}
	return site, string(debug.Stack())
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
