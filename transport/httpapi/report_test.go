package httpapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/report"
)

// recordingReporter keeps the events reported to it.
type recordingReporter struct {
	mu     sync.Mutex
	events []report.Event
}

func (r *recordingReporter) Report(_ context.Context, ev report.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recordingReporter) all() []report.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]report.Event(nil), r.events...)
}

func TestFailuresAreReportedOnce(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		rec := &recordingReporter{}
		e := newEnv(func(s *testSetup) { s.deps.Reporter = rec }, withRoutes(func(s *Server) {
			huma.Register(s.API(), huma.Operation{OperationID: "boom-auth", Method: http.MethodGet, Path: "/test/boom-auth",
				Security: BearerSecurity()},
				func(context.Context, *struct{}) (*struct{}, error) { panic("kaboom") })
			huma.Register(s.API(), huma.Operation{OperationID: "fail", Method: http.MethodGet, Path: "/test/fail/{id}"},
				func(ctx context.Context, _ *struct {
					ID string `path:"id"`
				}) (*struct{}, error) {
					return nil, s.Error(ctx, errors.New("disk on fire"))
				})
			s.Router().GET("/test/plain-boom", func(http.ResponseWriter, bunrouter.Request) error { panic("plain") })
		}))
		tk := e.register("rep@example.com", "rep-password-1")
		me := e.do("GET", "/api/auth/me", nil, bearer(tk.AccessToken)).json(t)
		userID, _ := me["id"].(string)
		require.NotEmpty(t, userID)

		r1 := e.do("GET", "/test/boom-auth", nil, bearer(tk.AccessToken), header("X-Request-Id", "req-boom"))
		p1 := requireProblem(t, r1, http.StatusInternalServerError)
		r2 := e.do("GET", "/test/fail/7", nil, header("X-Request-Id", "req-fail"))
		p2 := requireProblem(t, r2, http.StatusInternalServerError)
		r3 := e.do("GET", "/test/plain-boom", nil)
		p3 := requireProblem(t, r3, http.StatusInternalServerError)
		// A client error is not reported.
		e.do("GET", "/api/auth/me", nil)

		evs := rec.all()
		require.Len(t, evs, 3, "each failure once; 4xx not at all")
		byID := map[string]report.Event{}
		for _, ev := range evs {
			byID[ev.ErrorID] = ev
		}
		boom, ok := byID[p1["error_id"].(string)]
		require.True(t, ok, "the report carries the error id of the 500")
		assert.Equal(t, "kaboom", boom.Panic)
		assert.Equal(t, "req-boom", boom.RequestID)
		assert.Equal(t, "/test/boom-auth", boom.Route)
		assert.Equal(t, userID, boom.UserID)
		assert.Contains(t, string(boom.Stack), "goroutine")

		fail, ok := byID[p2["error_id"].(string)]
		require.True(t, ok)
		assert.EqualError(t, fail.Err, "disk on fire")
		assert.Equal(t, "req-fail", fail.RequestID)
		assert.Equal(t, "/test/fail/:id", fail.Route, "the matched pattern, as in the access log")
		assert.Empty(t, fail.UserID)
		assert.NotEmpty(t, fail.Stack)

		// The same failure again is reported again, its stack only once.
		p4 := requireProblem(t, e.do("GET", "/test/fail/8", nil), http.StatusInternalServerError)
		var repeat report.Event
		for _, ev := range rec.all() {
			if ev.ErrorID == p4["error_id"] {
				repeat = ev
			}
		}
		assert.EqualError(t, repeat.Err, "disk on fire")
		assert.Empty(t, repeat.Stack, "the stack went with the first report from this site")
		assert.Equal(t, fail.Site, repeat.Site)
		assert.Contains(t, fail.Site, "report_test.go:")

		plain, ok := byID[p3["error_id"].(string)]
		require.True(t, ok)
		assert.Equal(t, "/test/plain-boom", plain.Route)
		assert.Equal(t, r3.header.Get("X-Request-Id"), plain.RequestID)
	})
}
