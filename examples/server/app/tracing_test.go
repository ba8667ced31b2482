package app

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

func TestTracingOffByDefault(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  map[string]string
		on   bool
	}{
		{"nothing set", nil, false},
		{"endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{"traces endpoint", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{"SDK disabled", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, false},
		{"other OTEL variable only", map[string]string{"OTEL_SERVICE_NAME": "x"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadConfig(nil, envOf(tc.env))
			require.NoError(t, err)
			assert.Equal(t, tc.on, cfg.Tracing)
		})
	}
	cfg, err := LoadConfig(nil, envOf(nil))
	require.NoError(t, err)
	tr, cleanup, err := ProvideTracing(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer cleanup()
	assert.Nil(t, tr.Provider, "off: no provider, nothing wrapped")
	assert.Nil(t, tr.riverMiddleware())
	llm := agents.LLM(nil)
	assert.Nil(t, tr.llm(llm))
}

// TestTracingExportsOverOTLP: with the standard endpoint variable set,
// spans reach an OTLP/HTTP receiver (a fake collector decoding the
// protobuf) with service.name kpbot, flushed by the cleanup.
func TestTracingExportsOverOTLP(t *testing.T) {
	var mu sync.Mutex
	var got []*coltracepb.ExportTraceServiceRequest
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil || r.URL.Path != "/v1/traces" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, &req)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(nil)
	}))
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL) // read by the exporter itself
	t.Setenv("OTEL_SERVICE_NAME", "")
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "")
	cfg, err := LoadConfig(nil, envOf(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}))
	require.NoError(t, err)
	require.True(t, cfg.Tracing)
	tr, cleanup, err := ProvideTracing(t.Context(), cfg, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	require.NotNil(t, tr.Provider)
	_, span := tr.Provider.Tracer("test").Start(t.Context(), "hello")
	span.End()
	cleanup() // flushes

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 1)
	rs := got[0].GetResourceSpans()
	require.Len(t, rs, 1)
	var service string
	for _, kv := range rs[0].GetResource().GetAttributes() {
		if kv.GetKey() == "service.name" {
			service = kv.GetValue().GetStringValue()
		}
	}
	assert.Equal(t, "kpbot", service)
	require.Len(t, rs[0].GetScopeSpans(), 1)
	assert.Equal(t, "hello", rs[0].GetScopeSpans()[0].GetSpans()[0].GetName())
}

func spanAttrs(s tracetest.SpanStub) map[string]attribute.Value {
	out := map[string]attribute.Value{}
	for _, kv := range s.Attributes {
		out[string(kv.Key)] = kv.Value
	}
	return out
}

// TestTracingThroughApp: the wired server on SQLite with an in-memory
// exporter: a request is a server span named by its route pattern with
// the database queries as children and its trace id in the access log;
// a crew run is a River work span with a span per task and per model
// call, tokens as attributes.
func TestTracingThroughApp(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	cfg, err := LoadConfig(nil, envOf(map[string]string{
		"KPBOT_DATABASE_URL":        "file:" + filepath.Join(t.TempDir(), "kpbot.db"),
		"KPBOT_BCRYPT_COST":         "4",
		"KPBOT_FETCH_ALLOW_PRIVATE": "true",
		"KPBOT_FETCH_DELAY":         "0s",
	}))
	require.NoError(t, err)
	cfg.TracerProvider = tp
	logs := &bytes.Buffer{}
	logger := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	a, cleanup, err := Build(ctx, cfg, logger)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		_ = <-done // shutdown is not what this test checks
		cleanup()
	})
	base := "http://" + ln.Addr().String()

	resp, reg := postJSON(t, base+"/api/auth/register", "", map[string]any{"email": "trace@example.com", "password": "trace password"})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", reg)
	token := reg["access_token"].(string)
	corpus := webtest.NewCorpus(t)
	resp, camp := postJSON(t, base+"/api/campaigns", token, map[string]any{
		"name": "traced", "keywords": []string{"postgres", "index", "query"}, "seed_urls": corpus.SeedURLs()[:2],
	})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", camp)
	campID := camp["id"].(string)
	req := mustReq(t, http.MethodGet, base+"/api/campaigns/"+campID)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, _ = do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	var server *tracetest.SpanStub
	spans := exp.GetSpans()
	for i, s := range spans {
		if s.SpanKind == trace.SpanKindServer && strings.HasPrefix(s.Name, "GET /api/campaigns/") && !strings.Contains(s.Name, campID) {
			server = &spans[i]
		}
	}
	require.NotNil(t, server, "a server span named by the route pattern")
	var dbChildren int
	for _, s := range spans {
		if s.Parent.SpanID() == server.SpanContext.SpanID() && s.InstrumentationScope.Name == "github.com/uptrace/bun" {
			dbChildren++
		}
	}
	assert.Positive(t, dbChildren, "bunotel makes the request's queries its children")

	route := strings.TrimPrefix(server.Name, "GET ")
	var traceIDs []string
	for _, line := range strings.Split(logs.String(), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && m["msg"] == "http request" && m["route"] == route {
			id, _ := m["trace_id"].(string)
			traceIDs = append(traceIDs, id)
		}
	}
	assert.Equal(t, []string{server.SpanContext.TraceID().String()}, traceIDs, "the access log line carries the trace id")

	resp, run := postJSON(t, base+"/api/campaigns/"+campID+"/runs", token, nil)
	require.Equal(t, http.StatusAccepted, resp.StatusCode, "%v", run)
	runID := run["id"].(string)
	require.Eventually(t, func() bool {
		req := mustReq(t, http.MethodGet, base+"/api/runs/"+runID)
		req.Header.Set("Authorization", "Bearer "+token)
		_, got := do(t, req)
		run = got
		return got["status"] != "queued" && got["status"] != "running"
	}, 90*time.Second, 100*time.Millisecond)
	require.Equal(t, "succeeded", run["status"], "%v", run)
	// The traced handler still lets WebSockets upgrade.
	evs := readCampaignEvents(t, base, token, campID, 3)
	assert.Equal(t, "run.queued", evs[0]["event"])

	spans = exp.GetSpans()
	tasks := map[string]tracetest.SpanStub{}
	var work *tracetest.SpanStub
	var calls []tracetest.SpanStub
	for i, s := range spans {
		switch {
		case strings.HasPrefix(s.Name, "crew.task "):
			if spanAttrs(s)["kpbot.run_id"].AsString() == runID {
				tasks[strings.TrimPrefix(s.Name, "crew.task ")] = s
			}
		case strings.HasPrefix(s.Name, "river.work"):
			work = &spans[i]
		case strings.HasPrefix(s.Name, "chat"):
			calls = append(calls, s)
		}
	}
	require.NotNil(t, work, "otelriver makes a span of the job's work")
	for _, name := range []string{agents.TaskResearch, agents.TaskAnalysis, agents.TaskDrafting} {
		s, ok := tasks[name]
		require.True(t, ok, "a span for task %s", name)
		assert.Equal(t, work.SpanContext.TraceID(), s.SpanContext.TraceID(), "task %s runs inside the job's trace", name)
	}
	require.NotEmpty(t, calls, "a span per model call")
	for _, c := range calls {
		a := spanAttrs(c)
		assert.Positive(t, a["gen_ai.usage.input_tokens"].AsInt64())
		assert.Positive(t, a["gen_ai.usage.output_tokens"].AsInt64())
		assert.Equal(t, campID, a["kpbot.campaign_id"].AsString())
		assert.Equal(t, tasks[agents.TaskDrafting].SpanContext.TraceID(), c.SpanContext.TraceID(), "model calls belong to the run's trace")
	}
}
