package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// drainSlowBlog is a site whose every page hangs until the client gives up or
// the test ends; hit is closed at its first request.
func drainSlowBlog(t *testing.T) (url string, hit <-chan struct{}) {
	t.Helper()
	hitc := make(chan struct{})
	var once sync.Once
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(hitc) })
		select {
		case <-r.Context().Done():
		case <-done:
		}
	}))
	t.Cleanup(func() { close(done); srv.Close() })
	return srv.URL, hitc
}

// drainInFlight reads kpbot_http_requests_in_flight from /metrics (the /metrics
// request itself included).
func drainInFlight(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^kpbot_http_requests_in_flight (\d+)`).FindSubmatch(raw)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

type drainAnswer struct {
	status int
	header http.Header
	body   map[string]any
	err    error
}

func drainSend(req *http.Request) drainAnswer {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return drainAnswer{err: err}
	}
	defer resp.Body.Close()
	var body map[string]any
	raw, err := io.ReadAll(resp.Body)
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &body)
	}
	return drainAnswer{status: resp.StatusCode, header: resp.Header, body: body, err: err}
}

// TestShutdownAnswersLongPollsAndCancelsAdHocCalls: with a 25 s long-poll
// and an ad hoc research on a hanging site in flight, a shutdown (20 s
// drain, the default) answers the long-poll 200 at once, cancels the
// research with a 503 problem, and Serve returns nil. Before, both held
// the drain to its deadline and Serve failed.
func TestShutdownAnswersLongPollsAndCancelsAdHocCalls(t *testing.T) {
	blog, hit := drainSlowBlog(t)
	base, _, stop := startApp(t, map[string]string{
		"KPBOT_DATABASE_URL":        "file:" + filepath.Join(t.TempDir(), "kpbot.db"),
		"KPBOT_BCRYPT_COST":         "4",
		"KPBOT_FETCH_ALLOW_PRIVATE": "true",
		"KPBOT_FETCH_DELAY":         "0s",
	})
	resp, reg := postJSON(t, base+"/api/auth/register", "", map[string]any{"email": "poll@example.com", "password": "poll password"})
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", reg)
	token := reg["access_token"].(string)

	poll := make(chan drainAnswer, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/events?topic=user&wait=25", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		poll <- drainSend(req)
	}()
	research := make(chan drainAnswer, 1)
	go func() {
		body, _ := json.Marshal(map[string]any{"keywords": []string{"postgres"}, "seed_urls": []string{blog + "/"}})
		req, _ := http.NewRequest(http.MethodPost, base+"/api/agents/research", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		research <- drainSend(req)
	}()
	select {
	case <-hit:
	case <-time.After(30 * time.Second):
		t.Fatal("the research never reached the slow site")
	}
	require.Eventually(t, func() bool { return drainInFlight(t, base) >= 3 }, 20*time.Second, 20*time.Millisecond,
		"the long-poll and the research are being handled")

	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()

	got := <-poll
	require.NoError(t, got.err)
	assert.Equal(t, http.StatusOK, got.status, "%v", got.body)
	assert.Empty(t, got.body["items"], "nothing happened on the topic")
	assert.EqualValues(t, 0, got.body["next_since"])

	got = <-research
	require.NoError(t, got.err)
	assert.Equal(t, http.StatusServiceUnavailable, got.status, "%v", got.body)
	assert.Equal(t, "application/problem+json", got.header.Get("Content-Type"))
	assert.Equal(t, "1", got.header.Get("Retry-After"))
	assert.EqualValues(t, http.StatusServiceUnavailable, got.body["status"])
	assert.Contains(t, got.body["detail"], "shutting down")

	select {
	case err := <-stopped:
		assert.NoError(t, err, "Serve returns nil after a complete drain")
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return")
	}
}

// TestShutdownWithShortRequestsReturnsNil: keep-alive connections, idle or
// busy with ordinary requests, do not make the drain fail.
func TestShutdownWithShortRequestsReturnsNil(t *testing.T) {
	base, _, stop := startApp(t, map[string]string{
		"KPBOT_DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "kpbot.db"),
		"KPBOT_BCRYPT_COST":  "4",
	})
	// An idle keep-alive connection that has served one request.
	conn, err := net.Dial("tcp", base[len("http://"):])
	require.NoError(t, err)
	defer conn.Close()
	_, err = io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	br := bufio.NewReader(conn)
	res, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	busy := make(chan drainAnswer, 8)
	for range cap(busy) {
		go func() {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
			busy <- drainSend(req)
		}()
	}
	require.NoError(t, stop(), "Serve returns nil")
	for range cap(busy) {
		got := <-busy
		if got.err != nil {
			continue // sent after the listener closed: refused, never half-answered
		}
		assert.Less(t, got.status, 500, "no 5xx while draining: %v", got.body)
	}
	_, err = br.ReadByte()
	assert.ErrorIs(t, err, io.EOF, "the idle connection is closed cleanly")
}
