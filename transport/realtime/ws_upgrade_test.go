package realtime

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCorkConnOneWritePerBatch: corked writes leave in one write.
func TestCorkConnOneWritePerBatch(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := &corkConn{Conn: a}
	c.cork()
	for _, s := range []string{"one ", "two ", "three"} {
		n, err := c.Write([]byte(s))
		require.NoError(t, err)
		assert.Equal(t, len(s), n)
	}
	assert.Equal(t, len("one two three"), c.corkedBytes())
	done := make(chan error, 1)
	go func() { done <- c.uncork(time.Second) }()
	buf := make([]byte, 64)
	n, err := b.Read(buf) // net.Pipe hands over one Write per Read
	require.NoError(t, err)
	assert.Equal(t, "one two three", string(buf[:n]))
	require.NoError(t, <-done)
	assert.Zero(t, c.corkedBytes())

	go func() { _, _ = c.Write([]byte("direct")) }() // uncorked: straight through
	n, err = b.Read(buf)
	require.NoError(t, err)
	assert.Equal(t, "direct", string(buf[:n]))
}

// TestCorkConnUncorkTimeout: a batch the peer does not read fails within
// the timeout, as os.ErrDeadlineExceeded (the hub drops the client as too
// slow).
func TestCorkConnUncorkTimeout(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := &corkConn{Conn: a}
	c.cork()
	_, err := c.Write([]byte("nobody reads this"))
	require.NoError(t, err)
	start := time.Now()
	err = c.uncork(50 * time.Millisecond)
	require.Error(t, err)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
}

// TestUpgradeWriterKeepsReadAheadBytes: bytes the client sent right after
// the request (read ahead by net/http) reach the hijacked reader, whose
// buffers are the small ones.
func TestUpgradeWriterKeepsReadAheadBytes(t *testing.T) {
	t.Parallel()
	got := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uw := &upgradeWriter{ResponseWriter: w}
		nc, brw, err := uw.Hijack()
		if err != nil {
			got <- "hijack: " + err.Error()
			return
		}
		defer nc.Close()
		assert.Same(t, uw.conn, nc)
		assert.Equal(t, upgradeWriteBuffer, brw.Writer.Size())
		b := make([]byte, len("HELLO WORLD"))
		_, err = io.ReadFull(brw.Reader, b)
		if err != nil {
			got <- "read: " + err.Error()
			return
		}
		got <- string(b)
	}))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	require.NoError(t, err)
	defer conn.Close()
	// The request and the first bytes after it, in one segment.
	_, err = conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\nHELLO"))
	require.NoError(t, err)
	time.Sleep(50 * time.Millisecond)
	_, err = conn.Write([]byte(" WORLD"))
	require.NoError(t, err)
	select {
	case s := <-got:
		assert.Equal(t, "HELLO WORLD", s)
	case <-time.After(5 * time.Second):
		t.Fatal("the handler did not read")
	}
}
