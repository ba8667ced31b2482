package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunRefusesBadConfig(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), nil, func(k string) string {
		if k == "KPBOT_JWT_SECRET" {
			return "short"
		}
		return ""
	}, &stdout, &stderr)
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr.String(), "at least 32 bytes")
}

func TestRunServesAndDrains(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	env := map[string]string{
		"KPBOT_ADDR":         addr,
		"KPBOT_DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "k.db"),
		"KPBOT_BCRYPT_COST":  "4",
	}
	ctx, cancel := context.WithCancel(context.Background())
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
	}, 20*time.Second, 50*time.Millisecond)
	cancel() // what SIGTERM does through signal.NotifyContext
	select {
	case code := <-done:
		assert.Equal(t, 0, code, "stderr: %s", stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop")
	}
	logs := stdout.String()
	assert.Contains(t, logs, `"msg":"kpbot listening"`)
	assert.Contains(t, logs, "KPBOT_JWT_SECRET is not set", "the generated dev key is announced")
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		assert.True(t, strings.HasPrefix(line, "{"), "every log line is JSON: %q", line)
	}
}
