package realtime

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Buffer sizes handed to coder/websocket at the upgrade, in place of the
// 4 KiB reader and 4 KiB writer net/http hijacks with. Clients send a few
// small messages (subscribe, auth); larger reads bypass the buffer. The
// library writes only control frames (at most 127 bytes with the header);
// messages go straight to the frameConn.
const (
	upgradeReadBuffer  = 256
	upgradeWriteBuffer = 128
)

// upgradeWriter is the ResponseWriter given to websocket.Accept: its
// Hijack hands over small buffers and a frameConn, so an idle socket keeps
// a few hundred bytes of buffers instead of 8 KiB.
type upgradeWriter struct {
	http.ResponseWriter
	conn *frameConn // set by Hijack
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
	w.conn = newFrameConn(nc)
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

// frameConn is the socket under a websocket.Conn, shared by the library
// (which writes the handshake and control frames: ping, pong, close) and
// the hub's writer, which sends queued frames with one vectored write per
// batch. A mutex keeps the two from interleaving: the library flushes each
// control frame in one Write (its write buffer is empty between them,
// since data frames never pass through it), and the hub writes whole
// frames.
type frameConn struct {
	net.Conn
	raw syscall.RawConn // the socket's descriptor, for writeNow; nil if none
	mu  sync.Mutex
}

func newFrameConn(nc net.Conn) *frameConn {
	c := &frameConn{Conn: nc}
	if sc, ok := nc.(syscall.Conn); ok && canWriteNow {
		if raw, err := sc.SyscallConn(); err == nil {
			c.raw = raw
		}
	}
	return c
}

// writeNow writes as much of frames as the socket takes at once, without
// waiting, and returns the rest: the frames not sent, the first of them
// possibly cut. Where the platform or the socket cannot, it sends nothing.
func (c *frameConn) writeNow(frames [][]byte) ([][]byte, error) {
	if c.raw == nil {
		return frames, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var n int
	var werr error
	if err := c.raw.Write(func(fd uintptr) bool {
		n, werr = writevNow(fd, frames)
		return true // never wait for the socket here
	}); err != nil {
		return frames, fmt.Errorf("write frames: %w", err)
	}
	if werr != nil {
		return frames, fmt.Errorf("write frames: %w", werr)
	}
	for n > 0 {
		if n < len(frames[0]) {
			frames[0] = frames[0][n:]
			break
		}
		n -= len(frames[0])
		frames = frames[1:]
	}
	return frames, nil
}

// Write sends p (the library's frames).
func (c *frameConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Conn.Write(p)
}

// writeFrames sends frames with as few system calls as the kernel allows
// (writev), all within timeout (none when zero).
func (c *frameConn) writeFrames(frames [][]byte, timeout time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if timeout > 0 {
		if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			return fmt.Errorf("set write deadline: %w", err)
		}
		defer func() { _ = c.SetWriteDeadline(time.Time{}) }()
	}
	bufs := net.Buffers(frames)
	if _, err := bufs.WriteTo(c.Conn); err != nil {
		return fmt.Errorf("write frames: %w", err)
	}
	return nil
}

// frame is a complete server-to-client WebSocket text frame, header
// included. One event's frame is built once and queued, read-only, on
// every client that follows its topic.
type frame []byte

// textFrame frames payload as one unmasked, final text frame (RFC 6455
// section 5.2).
func textFrame(payload []byte) frame {
	n := len(payload)
	var f []byte
	switch {
	case n < 126:
		f = make([]byte, 2, 2+n)
		f[1] = byte(n)
	case n <= 0xFFFF:
		f = make([]byte, 4, 4+n)
		f[1] = 126
		binary.BigEndian.PutUint16(f[2:], uint16(n))
	default:
		f = make([]byte, 10, 10+n)
		f[1] = 127
		binary.BigEndian.PutUint64(f[2:], uint64(n))
	}
	f[0] = 0x81 // FIN, text
	return append(f, payload...)
}

// jsonFrame frames one of the protocol's messages.
func jsonFrame(v any) frame { return textFrame(mustJSON(v)) }
