package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/logbuf"
)

// discardWriter is a ResponseWriter that keeps nothing, so the benchmark
// measures the server, not the recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *discardWriter) WriteHeader(code int)        { w.status = code }

// BenchmarkHotPath serves GET /api/auth/me and GET /healthz through the
// whole server as app.Build wires it (SQLite, access log on, written by
// the asynchronous log writer to io.Discard), beside a bare handler
// answering the same JSON, in process. Compare allocs/op with "bare".
//
//	go test -run '^$' -bench HotPath -benchmem ./examples/server/app
func BenchmarkHotPath(b *testing.B) {
	dir := b.TempDir()
	cfg, err := LoadConfig(nil, envOf(map[string]string{
		"KPBOT_DATABASE_URL": "file:" + filepath.Join(dir, "bench.db"),
		"KPBOT_JWT_SECRET":   "bench-secret-bench-secret-bench-secret!",
		"KPBOT_BCRYPT_COST":  "4",
	}))
	require.NoError(b, err)
	out := logbuf.New(io.Discard, logbuf.Config{})
	b.Cleanup(func() { _ = out.Close(context.Background()) })
	logger := slog.New(slog.NewJSONHandler(out, nil))
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	a, cleanup, err := Build(ctx, cfg, logger)
	require.NoError(b, err)
	b.Cleanup(cleanup)
	res, err := a.Auth.Register(ctx, auth.RegisterInput{Email: "bench@example.com", Password: "bench-password-1"}, auth.ClientInfo{})
	require.NoError(b, err)
	bearer := "Bearer " + res.Tokens.AccessToken

	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	cases := []struct {
		name    string
		handler http.Handler
		path    string
		auth    string
		want    int
	}{
		{"bare", bare, "/healthz", "", http.StatusOK},
		{"healthz", a.HTTP, "/healthz", "", http.StatusOK},
		{"me", a.HTTP, "/api/auth/me", bearer, http.StatusOK},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, c.path, nil)
			req.RemoteAddr = "127.0.0.1:40000"
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			w := &discardWriter{h: http.Header{}}
			c.handler.ServeHTTP(w, req)
			require.Equal(b, c.want, statusOf(w), "warm-up answer")
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				w.status = 0
				clear(w.h)
				c.handler.ServeHTTP(w, req)
			}
			b.StopTimer()
			if got := statusOf(w); got != c.want {
				b.Fatalf("%s answered %d", c.path, got)
			}
		})
	}
}

// statusOf is the status written, 200 when the handler wrote none.
func statusOf(w *discardWriter) int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
