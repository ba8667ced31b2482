package realtime

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Buffer sizes handed to coder/websocket at the upgrade, in place of the
// 4 KiB reader and 4 KiB writer net/http hijacks with. Clients send a few
// small messages (subscribe, auth); larger reads bypass the buffer. Every
// server write goes through a corkConn, which gathers a batch in a pooled
// buffer, so the writer's own buffer only has to hold a frame header.
const (
	upgradeReadBuffer  = 256
	upgradeWriteBuffer = 128
)

// upgradeWriter is the ResponseWriter given to websocket.Accept: its
// Hijack hands over small buffers and a corkConn, so an idle socket keeps
// a few hundred bytes of buffers instead of 8 KiB.
type upgradeWriter struct {
	http.ResponseWriter
	conn *corkConn // set by Hijack
}

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (w *upgradeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Hijack takes the connection over from net/http, keeping the bytes its
// reader already buffered.
func (w *upgradeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, fmt.Errorf("hijack: %w", err)
	}
	w.conn = &corkConn{Conn: nc}
	br := bufio.NewReaderSize(w.conn, upgradeReadBuffer)
	if n := brw.Reader.Buffered(); n > 0 {
		// Hand the bytes net/http read ahead over as buffered ones:
		// websocket.Accept keeps only what the reader has buffered.
		b, _ := brw.Reader.Peek(n)
		br = bufio.NewReaderSize(io.MultiReader(bytes.NewReader(slices.Clone(b)), w.conn), max(upgradeReadBuffer, n))
		if _, err := br.Peek(n); err != nil {
			_ = nc.Close()
			return nil, nil, fmt.Errorf("hijack: keep buffered bytes: %w", err)
		}
	}
	if n := brw.Writer.Buffered(); n > 0 { // net/http flushed the 101 already; be safe
		if err := brw.Writer.Flush(); err != nil {
			_ = nc.Close()
			return nil, nil, fmt.Errorf("hijack: flush: %w", err)
		}
	}
	return w.conn, bufio.NewReadWriter(br, bufio.NewWriterSize(w.conn, upgradeWriteBuffer)), nil
}

// corkConn is a socket whose writes can be held back (corked) while a
// batch of messages is framed, then sent with one write: one system call
// per batch instead of one per message, for the server and the client.
type corkConn struct {
	net.Conn

	mu     sync.Mutex
	corked bool
	buf    *[]byte
}

var corkBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledCork bounds the buffers kept in corkBuffers, so a rare huge
// batch does not stay in memory.
const maxPooledCork = 64 << 10

// Write sends p, or appends it to the batch while corked.
func (c *corkConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.corked {
		*c.buf = append(*c.buf, p...)
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// corkedBytes is how much is held back.
func (c *corkConn) corkedBytes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.buf == nil {
		return 0
	}
	return len(*c.buf)
}

// cork holds writes back until uncork.
func (c *corkConn) cork() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = true
	if c.buf == nil {
		c.buf = corkBuffers.Get().(*[]byte)
	}
}

// uncork sends the held-back writes in one write, which must finish
// within timeout, and lets later writes through.
func (c *corkConn) uncork(timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.corked = false
	buf := c.buf
	c.buf = nil
	if buf == nil {
		return nil
	}
	defer func() {
		if cap(*buf) <= maxPooledCork {
			*buf = (*buf)[:0]
			corkBuffers.Put(buf)
		}
	}()
	if len(*buf) == 0 {
		return nil
	}
	if timeout > 0 {
		if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return fmt.Errorf("set write deadline: %w", err)
		}
		defer func() { _ = c.SetWriteDeadline(time.Time{}) }()
	}
	if _, err := c.Conn.Write(*buf); err != nil {
		return fmt.Errorf("write batch: %w", err)
	}
	return nil
}
