package app

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestWiredServerAnswersMalformedRequestsWithProblems: the example server
// answers what net/http refuses by itself, and what the router must never
// see, with problem documents, and logs no panic.
func TestWiredServerAnswersMalformedRequestsWithProblems(t *testing.T) {
	base, logs, stop := startApp(t, map[string]string{
		"KPBOT_DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "kpbot.db"),
		"KPBOT_BCRYPT_COST":  "4",
	})
	addr := strings.TrimPrefix(base, "http://")
	for _, c := range []struct {
		request string
		status  int
	}{
		{"GET /healthz%00 HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusBadRequest},
		{"GARBAGE\r\n\r\n", http.StatusBadRequest},
		{"GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", http.StatusRequestHeaderFieldsTooLarge},
		{"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", http.StatusBadRequest},
		{"POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 54\r\n\r\n" +
			`{"email":"a\u0000@example.com","password":"password1"}`, http.StatusUnprocessableEntity},
	} {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
		_, err = io.WriteString(conn, c.request)
		require.NoError(t, err)
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		require.NoError(t, err, "%.60q", c.request)
		raw, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		res.Body.Close()
		conn.Close()
		assert.Equal(t, c.status, res.StatusCode, "%.60q: %s", c.request, raw)
		assert.Equal(t, "application/problem+json", res.Header.Get("Content-Type"), "%.60q", c.request)
		var p map[string]any
		require.NoError(t, json.Unmarshal(raw, &p), "%s", raw)
		assert.EqualValues(t, c.status, p["status"])
	}
	require.NoError(t, stop())
	assert.NotContains(t, logs.String(), "panic")
}
