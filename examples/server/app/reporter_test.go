package app

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/report"
)

func TestProvideReporter(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))

	rep, cleanup, err := ProvideReporter(Config{}, logger)
	require.NoError(t, err)
	cleanup()
	assert.IsType(t, &report.Log{}, rep, "no DSN: the log only")

	_, _, err = ProvideReporter(Config{SentryDSN: "::bad"}, logger)
	require.Error(t, err, "a malformed DSN stops the start")

	var posts atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/envelope/") {
			posts.Add(1)
		}
	}))
	t.Cleanup(srv.Close)
	rep, cleanup, err = ProvideReporter(Config{SentryDSN: "http://key@" + strings.TrimPrefix(srv.URL, "http://") + "/1", Environment: "test"}, logger)
	require.NoError(t, err)
	for range 3 {
		rep.Report(context.Background(), report.Event{Message: "boom", Err: errors.New("x"), ErrorID: report.NewID()})
	}
	cleanup() // flushes
	assert.Equal(t, int32(1), posts.Load(), "duplicates are held back from Sentry")
	assert.Equal(t, 3, strings.Count(logs.String(), `"msg":"boom"`), "but every one is logged")
}
