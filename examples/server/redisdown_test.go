package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The binary starts, serves logins and exits 0 while the Redis it is
// given answers nowhere; go-redis's own messages land in the JSON log.
func TestRunStartsWithoutRedis(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadAddr := dead.Addr().String()
	require.NoError(t, ln.Close())
	require.NoError(t, dead.Close())
	env := map[string]string{
		"KPBOT_ADDR":         addr,
		"KPBOT_DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "k.db"),
		"KPBOT_BCRYPT_COST":  "4",
		"KPBOT_REDIS_URL":    "redis://" + deadAddr + "/0",
		"KPBOT_LOG_LEVEL":    "debug",
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, &stdout, &stderr) }()

	require.Eventually(t, func() bool {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 20*time.Second, 50*time.Millisecond, "the server starts although Redis is down")
	body, err := json.Marshal(map[string]string{"email": "nobody@example.com", "password": "wrong password"})
	require.NoError(t, err)
	for range 3 {
		resp, err := http.Post("http://"+addr+"/api/auth/login", "application/json", bytes.NewReader(body))
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "limits fall back to memory: a wrong password is a 401, not a 500")
	}
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, 0, code, "stderr: %s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
	}
	logs := stdout.String()
	assert.Equal(t, 1, strings.Count(logs, "shared store unreachable"), "one warning for the outage")
	assert.Contains(t, logs, `"msg":"redis client: `, "go-redis's messages go through the JSON log")
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		assert.True(t, strings.HasPrefix(line, "{"), "every log line is JSON: %q", line)
	}
}
