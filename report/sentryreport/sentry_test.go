package sentryreport_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/report"
	"github.com/kpbot/kpbot/report/sentryreport"
)

// ingest is a fake Sentry ingestion endpoint: it decodes the envelopes
// posted to /api/<project>/envelope/ and keeps their event items.
type ingest struct {
	t      *testing.T
	mu     sync.Mutex
	events []map[string]any
	auth   []string
}

func (in *ingest) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/api/42/envelope/" {
		in.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	events, err := decodeEnvelope(body)
	if err != nil {
		in.t.Errorf("malformed envelope: %v\n%s", err, body)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	in.mu.Lock()
	in.events = append(in.events, events...)
	in.auth = append(in.auth, r.Header.Get("X-Sentry-Auth"))
	in.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (in *ingest) received() []map[string]any {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]map[string]any(nil), in.events...)
}

// decodeEnvelope parses Sentry's envelope format: a JSON header line, then
// items, each a JSON item header line (with an optional byte length)
// followed by its payload.
func decodeEnvelope(b []byte) ([]map[string]any, error) {
	rd := bufio.NewReader(bytes.NewReader(b))
	line, err := rd.ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("envelope header: %w", err)
	}
	var hdr map[string]any
	if err := json.Unmarshal(line, &hdr); err != nil {
		return nil, fmt.Errorf("envelope header: %w", err)
	}
	var events []map[string]any
	for {
		line, err := rd.ReadBytes('\n')
		if errors.Is(err, io.EOF) && len(bytes.TrimSpace(line)) == 0 {
			return events, nil
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		var item struct {
			Type   string `json:"type"`
			Length *int   `json:"length"`
		}
		if err := json.Unmarshal(line, &item); err != nil {
			return nil, fmt.Errorf("item header %q: %w", line, err)
		}
		var payload []byte
		if item.Length != nil {
			payload = make([]byte, *item.Length)
			if _, err := io.ReadFull(rd, payload); err != nil {
				return nil, fmt.Errorf("item payload: %w", err)
			}
			_, _ = rd.ReadByte() // the newline after the payload
		} else if payload, err = rd.ReadBytes('\n'); err != nil && !errors.Is(err, io.EOF) {
			return nil, err
		}
		if item.Type != "event" {
			continue
		}
		var ev map[string]any
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("event payload: %w", err)
		}
		events = append(events, ev)
	}
}

func newFake(t *testing.T) (*ingest, string) {
	in := &ingest{t: t}
	srv := httptest.NewServer(in)
	t.Cleanup(srv.Close)
	return in, "http://publickey@" + strings.TrimPrefix(srv.URL, "http://") + "/42"
}

func TestReporterSendsEvents(t *testing.T) {
	t.Parallel()
	in, dsn := newFake(t)
	r, err := sentryreport.New(sentryreport.Config{DSN: dsn, Environment: "staging", Release: "v1.2.3", ServerName: "node-a"})
	require.NoError(t, err)
	id := report.NewID()
	r.Report(context.Background(), report.Event{
		Message: "request failed", Err: fmt.Errorf("load campaign: %w", io.ErrUnexpectedEOF),
		ErrorID: id, RequestID: "req-1", Route: "/api/campaigns/:id", UserID: "user-7", RunID: "run-3",
		Stack: []byte("goroutine 1 [running]:\nmain.main()"),
	})
	r.Report(context.Background(), report.Event{Message: "panic while handling request", Panic: "boom", ErrorID: report.NewID()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, r.Flush(ctx))
	require.Eventually(t, func() bool { return len(in.received()) == 2 }, 10*time.Second, 10*time.Millisecond)

	var ev map[string]any
	for _, e := range in.received() {
		if e["message"] == "request failed" {
			ev = e
		}
	}
	require.NotNil(t, ev)
	assert.Equal(t, id, ev["event_id"], "the Sentry event id is the error id the client was given")
	assert.Equal(t, "staging", ev["environment"])
	assert.Equal(t, "v1.2.3", ev["release"])
	assert.Equal(t, "node-a", ev["server_name"])
	assert.Equal(t, "error", ev["level"])
	tags, _ := ev["tags"].(map[string]any)
	assert.Equal(t, "req-1", tags["request_id"])
	assert.Equal(t, "/api/campaigns/:id", tags["route"])
	assert.Equal(t, "run-3", tags["run_id"])
	assert.Equal(t, id, tags["error_id"])
	user, _ := ev["user"].(map[string]any)
	assert.Equal(t, map[string]any{"id": "user-7"}, user, "only the user id is sent")
	exc, _ := ev["exception"].([]any)
	require.Len(t, exc, 1)
	ex0, _ := exc[0].(map[string]any)
	assert.Equal(t, "load campaign: unexpected EOF", ex0["value"])
	assert.NotNil(t, ex0["stacktrace"])
	raw, _ := json.Marshal(ev)
	assert.Contains(t, string(raw), "goroutine 1 [running]", "the stack text travels with the event")

	in.mu.Lock()
	assert.Contains(t, in.auth[0], "sentry_key=publickey")
	in.mu.Unlock()
}

func TestLimitedReporterSendsDuplicatesOnce(t *testing.T) {
	t.Parallel()
	in, dsn := newFake(t)
	sr, err := sentryreport.New(sentryreport.Config{DSN: dsn})
	require.NoError(t, err)
	r := report.Limit(sr, time.Hour)
	for range 20 {
		r.Report(context.Background(), report.Event{Message: "bus failed", Err: errors.New("connection reset"), ErrorID: report.NewID()})
	}
	r.Report(context.Background(), report.Event{Message: "bus failed", Err: errors.New("other"), ErrorID: report.NewID()})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, r.Flush(ctx))
	require.Eventually(t, func() bool { return len(in.received()) == 2 }, 10*time.Second, 10*time.Millisecond)
	// Nothing more arrives: a later flush sends nothing new.
	require.NoError(t, r.Flush(ctx))
	assert.Len(t, in.received(), 2)
}

func TestNewRequiresAValidDSN(t *testing.T) {
	t.Parallel()
	_, err := sentryreport.New(sentryreport.Config{})
	require.Error(t, err)
	_, err = sentryreport.New(sentryreport.Config{DSN: "::not a dsn"})
	require.Error(t, err)
}
