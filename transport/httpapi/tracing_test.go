package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// accessLines returns the access log lines of logs for route.
func accessLines(t *testing.T, logs string, route string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) != nil {
			continue
		}
		if m["msg"] == "http request" && m["route"] == route {
			out = append(out, m)
		}
	}
	return out
}

func TestTracingNamesSpansByRouteAndLogsTraceID(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		exp := tracetest.NewInMemoryExporter()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
		t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		rec := &recordingReporter{}
		e := newEnv(withConfig(func(c *Config) { c.TracerProvider = tp }), func(s *testSetup) { s.deps.Reporter = rec },
			withRoutes(func(s *Server) {
				huma.Register(s.API(), huma.Operation{OperationID: "trace-fail", Method: http.MethodGet, Path: "/test/trace-fail/{id}"},
					func(ctx context.Context, _ *struct {
						ID string `path:"id"`
					}) (*struct{}, error) {
						return nil, s.Error(ctx, errors.New("disk on fire"))
					})
			}))
		tk := e.register("trace@example.com", "trace-password-1")
		c := e.createCampaign(tk, "Traced")
		id, _ := c["id"].(string)
		require.NotEmpty(t, id)

		r := e.do("GET", "/api/campaigns/"+id, nil, bearer(tk.AccessToken))
		require.Equal(t, http.StatusOK, r.status, string(r.body))

		var got *tracetest.SpanStub
		for _, sp := range exp.GetSpans() {
			if sp.SpanKind == trace.SpanKindServer && strings.HasPrefix(sp.Name, "GET /api/campaigns/") {
				got = &sp
			}
		}
		require.NotNil(t, got, "a server span named by the route pattern")
		route := strings.TrimPrefix(got.Name, "GET ")
		assert.Equal(t, "/api/campaigns/:id", route, "the pattern (bunrouter's form), not the path")
		attrs := map[string]string{}
		for _, kv := range got.Attributes {
			attrs[string(kv.Key)] = kv.Value.String()
		}
		assert.Equal(t, route, attrs["http.route"])

		lines := accessLines(t, e.logs.String(), route)
		require.Len(t, lines, 1)
		assert.Equal(t, got.SpanContext.TraceID().String(), lines[0]["trace_id"], "the access log line carries the span's trace id")

		// A traceparent header makes the request's span a child of the caller's.
		const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		r = e.do("GET", "/test/trace-fail/3", nil, header("traceparent", parent))
		p := requireProblem(t, r, http.StatusInternalServerError)
		evs := rec.all()
		require.Len(t, evs, 1)
		assert.Equal(t, p["error_id"], evs[0].ErrorID)
		assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", evs[0].TraceID, "the error report carries the trace id")
		lines = accessLines(t, e.logs.String(), "/test/trace-fail/:id")
		require.Len(t, lines, 1)
		assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", lines[0]["trace_id"])
	})
}

func TestNoTracingByDefault(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
		r := e.do("GET", "/healthz", nil, header("traceparent", parent))
		require.Equal(t, http.StatusOK, r.status)
		lines := accessLines(t, e.logs.String(), "/healthz")
		require.Len(t, lines, 1)
		assert.NotContains(t, lines[0], "trace_id", "without a TracerProvider nothing is traced")
	})
}
