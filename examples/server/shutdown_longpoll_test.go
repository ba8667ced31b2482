package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSIGTERMWithLongPollAndResearchExitsZero: the server binary with a
// 25 s long-poll and an ad hoc research on a hanging site in flight gets
// SIGTERM, with the default 20 s drain. The long-poll answers 200, the
// research 503 with a problem document, and the process exits 0. Before,
// both held the drain to its deadline: no answer and exit 1.
func TestSIGTERMWithLongPollAndResearchExitsZero(t *testing.T) {
	bin := buildServer(t)
	hit := make(chan struct{})
	var once sync.Once
	release := make(chan struct{})
	blog := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(hit) })
		select { // hang until the fetcher gives up
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); blog.Close() })

	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"KPBOT_ADDR=127.0.0.1:0",
		"KPBOT_DATABASE_URL=file:"+filepath.Join(t.TempDir(), "k.db"),
		"KPBOT_BCRYPT_COST=4",
		"KPBOT_FETCH_ALLOW_PRIVATE=true",
		"KPBOT_FETCH_DELAY=0s",
		"KPBOT_SHUTDOWN_TIMEOUT=20s",
	)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	logs := &syncBuffer{}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			_, _ = logs.Write(append(sc.Bytes(), '\n'))
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "kpbot listening" {
				urlc <- line.URL
			}
		}
		exited <- cmd.Wait()
	}()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var base string
	select {
	case base = <-urlc:
	case err := <-exited:
		t.Fatalf("the server exited at start: %v\n%s\n%s", err, logs.String(), stderr.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not start:\n%s", logs.String())
	}

	token := longPollRegister(t, base)
	poll := make(chan longPollReply, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/events?topic=user&wait=25", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		poll <- longPollSend(req)
	}()
	research := make(chan longPollReply, 1)
	go func() {
		body, _ := json.Marshal(map[string]any{"keywords": []string{"postgres"}, "seed_urls": []string{blog.URL + "/"}})
		req, _ := http.NewRequest(http.MethodPost, base+"/api/agents/research", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		research <- longPollSend(req)
	}()
	select {
	case <-hit:
	case <-time.After(30 * time.Second):
		t.Fatal("the research never reached the hanging site")
	}
	require.Eventually(t, func() bool { return longPollInFlight(base) >= 3 }, 20*time.Second, 20*time.Millisecond,
		"the long-poll and the research are being handled (and this /metrics request)")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))

	got := <-poll
	require.NoError(t, got.err)
	assert.Equal(t, http.StatusOK, got.status, "the long-poll answers: %v", got.body)
	assert.Empty(t, got.body["items"])

	got = <-research
	require.NoError(t, got.err)
	assert.Equal(t, http.StatusServiceUnavailable, got.status, "%v", got.body)
	assert.Equal(t, "application/problem+json", got.header.Get("Content-Type"))
	assert.NotEmpty(t, got.header.Get("Retry-After"))
	assert.EqualValues(t, http.StatusServiceUnavailable, got.body["status"])

	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("exit code %d, want 0\n%s\n%s", ee.ExitCode(), logs.String(), stderr.String())
		}
		require.NoError(t, err)
	case <-time.After(60 * time.Second):
		t.Fatalf("the server did not exit after SIGTERM:\n%s", logs.String())
	}
	assert.Contains(t, logs.String(), `"msg":"kpbot stopped"`)
	assert.NotContains(t, logs.String(), `"msg":"server stopped"`, "Serve returned no error")
}

type longPollReply struct {
	status int
	header http.Header
	body   map[string]any
	err    error
}

func longPollSend(req *http.Request) longPollReply {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return longPollReply{err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	var body map[string]any
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &body)
	}
	return longPollReply{status: resp.StatusCode, header: resp.Header, body: body, err: err}
}

func longPollRegister(t *testing.T, base string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": "sigterm@example.com", "password": "sigterm password"})
	req, err := http.NewRequest(http.MethodPost, base+"/api/auth/register", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	got := longPollSend(req)
	require.NoError(t, got.err)
	require.Equal(t, http.StatusCreated, got.status, "%v", got.body)
	return got.body["access_token"].(string)
}

var longPollInFlightLine = regexp.MustCompile(`(?m)^kpbot_http_requests_in_flight (\d+)`)

// longPollInFlight reads kpbot_http_requests_in_flight from /metrics; -1
// when it cannot.
func longPollInFlight(base string) int {
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	m := longPollInFlightLine.FindSubmatch(raw)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}
