package realtime

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTextFrameHeader: the three length encodings of RFC 6455 5.2.
func TestTextFrameHeader(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		n      int
		header []byte
	}{
		{0, []byte{0x81, 0}},
		{125, []byte{0x81, 125}},
		{126, []byte{0x81, 126, 0, 126}},
		{65535, []byte{0x81, 126, 0xFF, 0xFF}},
		{65536, []byte{0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0}},
	} {
		payload := bytes.Repeat([]byte("x"), tc.n)
		f := textFrame(payload)
		assert.Equal(t, tc.header, []byte(f[:len(tc.header)]), "length %d", tc.n)
		assert.Equal(t, payload, []byte(f[len(tc.header):]), "length %d", tc.n)
	}
}

// TestFrameConnWithLibraryFrames: frames the hub writes and the library's
// own control frames share one socket; a real client reads every message
// whole, of each length encoding, while the server pings it throughout.
func TestFrameConnWithLibraryFrames(t *testing.T) {
	t.Parallel()
	sizes := []int{5, 126, 300, 70000}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uw := &upgradeWriter{ResponseWriter: w}
		conn, err := websocket.Accept(uw, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
		if !assert.NoError(t, err) {
			return
		}
		ctx := conn.CloseRead(r.Context()) // reads the client's pongs
		pings := make(chan error, 1)
		go func() {
			var err error
			for range 50 {
				if err = conn.Ping(ctx); err != nil {
					break
				}
			}
			pings <- err
		}()
		for round := range 20 {
			var frames [][]byte
			for _, n := range sizes {
				frames = append(frames, textFrame(bytes.Repeat([]byte{byte('a' + round)}, n)))
			}
			if !assert.NoError(t, uw.conn.writeFrames(frames, 5*time.Second)) {
				return
			}
		}
		assert.NoError(t, <-pings)
		_ = conn.Close(websocket.StatusNormalClosure, "done")
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	require.NoError(t, err)
	defer c.CloseNow()
	c.SetReadLimit(1 << 20)
	for round := range 20 {
		for _, n := range sizes {
			typ, b, err := c.Read(ctx)
			require.NoError(t, err, "round %d size %d", round, n)
			assert.Equal(t, websocket.MessageText, typ)
			require.Len(t, b, n)
			assert.Equal(t, bytes.Repeat([]byte{byte('a' + round)}, n), b)
		}
	}
	_, _, err = c.Read(ctx)
	assert.Equal(t, websocket.StatusNormalClosure, websocket.CloseStatus(err))
}

// TestFrameConnWriteTimeout: frames the peer does not read fail within
// the timeout, as os.ErrDeadlineExceeded (the hub drops the client as too
// slow).
func TestFrameConnWriteTimeout(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	c := &frameConn{Conn: a}
	start := time.Now()
	err := c.writeFrames([][]byte{textFrame([]byte("nobody reads this"))}, 50*time.Millisecond)
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
