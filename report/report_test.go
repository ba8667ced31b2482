package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type recording struct {
	mu     sync.Mutex
	events []Event
}

func (r *recording) Report(_ context.Context, ev Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func TestLogReporterWritesIDsAndStack(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	r := NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
	r.Report(context.Background(), Event{
		Message: "request failed", Err: errors.New("disk on fire"), ErrorID: "e1", RequestID: "r1",
		Route: "/api/x", UserID: "u1", RunID: "run1", Site: "main.f x.go:3", Stack: []byte("goroutine 7 [running]"), Repeats: 3,
	})
	var line map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &line))
	assert.Equal(t, "ERROR", line["level"])
	assert.Equal(t, "request failed", line["msg"])
	for k, v := range map[string]any{"error_id": "e1", "request_id": "r1", "route": "/api/x", "user_id": "u1",
		"run_id": "run1", "site": "main.f x.go:3", "error": "disk on fire", "stack": "goroutine 7 [running]", "repeats": float64(3)} {
		assert.Equal(t, v, line[k], k)
	}
	assert.NotContains(t, line, "trace_id", "empty ids are left out")
}

func TestLimitCountsDuplicatesWithinTheWindow(t *testing.T) {
	t.Parallel()
	rec := &recording{}
	l := Limit(rec, time.Minute)
	now := time.Unix(1000, 0)
	l.now = func() time.Time { return now }
	ctx := context.Background()
	a := Event{Message: "job failed", Err: errors.New("timeout"), Route: "r"}
	for range 5 {
		l.Report(ctx, a)
	}
	l.Report(ctx, Event{Message: "job failed", Err: errors.New("other"), Route: "r"})
	require.Len(t, rec.events, 2, "one per fingerprint")
	now = now.Add(time.Minute)
	l.Report(ctx, a)
	require.Len(t, rec.events, 3, "sent again once the window is over")
	assert.Equal(t, 4, rec.events[2].Repeats, "carrying the count held back")
	l.Report(ctx, a)
	assert.Len(t, rec.events, 3)
}

func TestLimitForgetsBeyondItsBound(t *testing.T) {
	t.Parallel()
	rec := &recording{}
	l := Limit(rec, time.Minute)
	for i := range maxFingerprints + 10 {
		l.Report(context.Background(), Event{Message: "m", Err: errors.New(string(rune('a' + i)))})
	}
	assert.LessOrEqual(t, len(l.seen), maxFingerprints)
	assert.Len(t, rec.events, maxFingerprints+10)
}

func TestTeeAndIDs(t *testing.T) {
	t.Parallel()
	a, b := &recording{}, &recording{}
	Tee(a, b).Report(context.Background(), Event{Message: "x"})
	assert.Len(t, a.events, 1)
	assert.Len(t, b.events, 1)
	id := NewID()
	assert.Len(t, id, 32)
	assert.NotEqual(t, id, NewID())
	assert.Equal(t, "m\x00r\x00boom", Event{Message: "m", Route: "r", Panic: "boom"}.Fingerprint())
}

func TestReleaseFromBuildInfo(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "v1.4.0", releaseOf(&debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}}))
	assert.Equal(t, "abc123-dirty", releaseOf(&debug.BuildInfo{Main: debug.Module{Version: "(devel)"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.modified", Value: "true"}}}))
	assert.Equal(t, "", releaseOf(&debug.BuildInfo{}))
}
