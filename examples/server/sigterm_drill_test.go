package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// buildServer compiles this command into a temporary directory, with the
// race detector when the tests have it (so the packages they compiled are
// reused and only the link is new).
func buildServer(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command in PATH to build the server binary: skipping the SIGTERM drill")
	}
	bin := filepath.Join(t.TempDir(), "kpbot")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command(goBin, append(args, ".")...).CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// TestDrillSIGTERM runs the real binary on SQLite under a stream of short
// requests from several clients and a few WebSocket followers, and sends
// it SIGTERM: every answered request is below 500 (refused connections
// after the listener closes are fine), every socket is closed with 1001
// (going away), and the process exits 0.
func TestDrillSIGTERM(t *testing.T) {
	bin := buildServer(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	base := "http://" + addr

	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"KPBOT_ADDR="+addr,
		"KPBOT_DATABASE_URL=file:"+filepath.Join(t.TempDir(), "kpbot.db"),
		"KPBOT_JWT_SECRET="+strings.Repeat("t", 40),
		"KPBOT_BCRYPT_COST=4",
		"KPBOT_AUTH_RATE_LIMIT=0",
		"KPBOT_SHUTDOWN_TIMEOUT=15s",
		"KPBOT_LOG_LEVEL=info",
	)
	var stdout, stderr syncBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Start())
	exited := make(chan struct{})
	var waitErr error
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			_ = cmd.Process.Kill()
			<-exited
		}
	})

	hc := &http.Client{Timeout: 10 * time.Second}
	require.Eventually(t, func() bool {
		resp, err := hc.Get(base + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 50*time.Millisecond, "the server starts; stderr: %s", &stderr)

	status, body := call(t, hc, http.MethodPost, base+"/api/auth/register", "", map[string]any{"email": "drill@example.com", "password": "drill password"})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	token := body["access_token"].(string)
	status, body = call(t, hc, http.MethodPost, base+"/api/campaigns", token, map[string]any{"name": "drill", "keywords": []string{"go"}})
	require.Equal(t, http.StatusCreated, status, "%v", body)
	campaignID := body["id"].(string)

	// A few WebSocket followers, subscribed before the signal.
	const sockets = 3
	closes := make(chan websocket.StatusCode, sockets)
	for i := range sockets {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		t.Cleanup(cancel)
		conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/api/ws", &websocket.DialOptions{
			HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
		})
		require.NoError(t, err, "socket %d", i)
		t.Cleanup(func() { _ = conn.CloseNow() })
		require.NoError(t, wsjson.Write(ctx, conn, map[string]any{"type": "subscribe", "topics": []string{"user", "campaign:" + campaignID}}))
		for acks := 0; acks < 2; {
			var msg map[string]any
			require.NoError(t, wsjson.Read(ctx, conn, &msg))
			require.NotEqual(t, "error", msg["type"], "%v", msg)
			if msg["type"] == "subscribed" {
				acks++
			}
		}
		go func() {
			for {
				var msg map[string]any
				if err := wsjson.Read(ctx, conn, &msg); err != nil {
					closes <- websocket.CloseStatus(err)
					return
				}
			}
		}()
	}

	// Short requests from several clients until the process is gone.
	var answered, refused atomic.Int64
	var mu sync.Mutex
	var serverErrors []string
	var wg sync.WaitGroup
	const workers = 6
	started := make(chan struct{}, workers)
	for w := range workers {
		wg.Go(func() {
			client := &http.Client{Timeout: 20 * time.Second}
			for i := 0; ; i++ {
				select {
				case <-exited:
					return
				default:
				}
				if i == 20 {
					started <- struct{}{}
				}
				method, path, body := http.MethodGet, "/api/auth/me", any(nil)
				switch (w + i) % 4 {
				case 0:
					path = "/healthz"
				case 1:
					path = "/api/campaigns?limit=5"
				case 2:
					method, path, body = http.MethodPost, "/api/campaigns", map[string]any{"name": fmt.Sprintf("w%d-%d", w, i), "keywords": []string{"go"}}
				}
				code, err := send(client, method, base+path, token, body)
				if err != nil {
					refused.Add(1) // the listener is closed, or the connection was: no answer
					time.Sleep(5 * time.Millisecond)
					continue
				}
				answered.Add(1)
				if code >= 500 {
					mu.Lock()
					serverErrors = append(serverErrors, fmt.Sprintf("%s %s: %d", method, path, code))
					mu.Unlock()
				}
			}
		})
	}
	for range workers {
		select {
		case <-started:
		case <-time.After(60 * time.Second):
			t.Fatal("the load did not get going")
		}
	}
	before := answered.Load()
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	signalled := time.Now()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("the server did not exit within 30s of SIGTERM; stdout: %s", &stdout)
	}
	took := time.Since(signalled)
	wg.Wait()

	var exitErr *exec.ExitError
	if errors.As(waitErr, &exitErr) {
		t.Fatalf("exit code %d after SIGTERM; stderr: %s; stdout: %s", exitErr.ExitCode(), &stderr, &stdout)
	}
	require.NoError(t, waitErr)
	assert.Empty(t, serverErrors, "no answer was a 5xx")
	for i := range sockets {
		select {
		case code := <-closes:
			assert.Equal(t, websocket.StatusGoingAway, code, "socket %d was told the server is going away", i)
		case <-time.After(10 * time.Second):
			t.Fatalf("socket %d was not closed", i)
		}
	}
	assert.Contains(t, stdout.String(), `"msg":"kpbot stopped"`)
	t.Logf("exit 0 %.0f ms after SIGTERM; %d requests answered (%d of them before the signal), %d unanswered after the listener closed, %d sockets closed with 1001",
		float64(took.Microseconds())/1000, answered.Load(), before, refused.Load(), sockets)
}

// send makes one request and returns its status.
func send(client *http.Client, method, url, token string, body any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}

// call makes one request on the test goroutine and decodes the JSON answer.
func call(t *testing.T, client *http.Client, method, url, token string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}
