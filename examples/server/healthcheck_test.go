package main

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestHealthcheck: 0 on a 200 from /readyz, 1 on another status or no
// answer, 2 on bad usage; the default URL follows KPBOT_ADDR's port.
func TestHealthcheck(t *testing.T) {
	t.Parallel()
	var ready atomic.Bool
	ready.Store(true)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" || !ready.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	t.Cleanup(ts.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(ts.URL, "http://"))
	env := func(k string) string {
		if k == "KPBOT_ADDR" {
			return ":" + port
		}
		return ""
	}
	var stderr bytes.Buffer
	assert.Equal(t, 0, run(t.Context(), []string{"healthcheck"}, env, &bytes.Buffer{}, &stderr), stderr.String())
	assert.Equal(t, 0, run(t.Context(), []string{"healthcheck", ts.URL + "/readyz"}, env, &bytes.Buffer{}, &stderr))
	ready.Store(false)
	assert.Equal(t, 1, run(t.Context(), []string{"healthcheck"}, env, &bytes.Buffer{}, &stderr))
	assert.Contains(t, stderr.String(), "answered 503")
	ts.Close()
	assert.Equal(t, 1, run(t.Context(), []string{"healthcheck", ts.URL + "/readyz"}, env, &bytes.Buffer{}, &stderr))
	assert.Equal(t, 2, run(t.Context(), []string{"healthcheck", "a", "b"}, env, &bytes.Buffer{}, &stderr))
}
