package realtime

import (
	"context"
	"errors"
	"os"
	"sync"

	"github.com/coder/websocket"

	"github.com/kpbot/kpbot/auth"
)

// client is one socket. Its send queue is drained by a writer goroutine
// that runs only while there is something to write, so an idle socket
// costs one goroutine (its reader).
type client struct {
	h    *Hub
	conn *websocket.Conn
	cork *corkConn // conn's socket

	// follows is guarded by h.mu.
	follows map[string]*follow

	mu        sync.Mutex
	principal *auth.Principal
	token     string
	queue     [][]byte
	pending   int  // queued plus being written
	writing   bool // a writer goroutine is running
	closing   bool
	room      chan struct{} // signalled when the writer frees room, for replays
}

func newClient(h *Hub, conn *websocket.Conn, cork *corkConn) *client {
	return &client{h: h, conn: conn, cork: cork, follows: map[string]*follow{}}
}

func (c *client) identity() (*auth.Principal, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.principal, c.token
}

func (c *client) setIdentity(p *auth.Principal, token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.principal, c.token = p, token
}

// send queues msg; it reports false when the queue is full (the caller
// drops the client as too slow) and true when queued or when the client is
// closing anyway.
func (c *client) send(msg []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return true
	}
	if c.pending >= c.h.cfg.SendQueue {
		return false
	}
	c.queue = append(c.queue, msg)
	c.pending++
	if !c.writing {
		c.writing = true
		go c.writeLoop()
	}
	return true
}

// sendOrDrop queues msg or closes the client as too slow.
func (c *client) sendOrDrop(msg []byte) bool {
	if c.send(msg) {
		return true
	}
	c.dropSlow()
	return false
}

func (c *client) dropSlow() {
	c.mu.Lock()
	already := c.closing
	c.mu.Unlock()
	if !already {
		c.h.m.slow.Inc()
		c.close(CloseTooSlow, "too slow; reconnect and resubscribe with since")
	}
}

// waitRoom blocks until the queue is at most half full, so a replay never
// fills it; it reports false once the client is closing.
func (c *client) waitRoom() bool {
	for {
		c.mu.Lock()
		if c.closing {
			c.mu.Unlock()
			return false
		}
		if c.pending < max(c.h.cfg.SendQueue/2, 1) {
			c.mu.Unlock()
			return true
		}
		if c.room == nil {
			c.room = make(chan struct{}, 1)
		}
		room := c.room
		c.mu.Unlock()
		select {
		case <-room:
		case <-c.h.ctx.Done():
			return false
		}
	}
}

// writeLoop writes queued messages until the queue is empty, a batch
// (everything queued since the last one) at a time.
func (c *client) writeLoop() {
	for {
		c.mu.Lock()
		if c.closing || len(c.queue) == 0 {
			c.writing = false
			c.mu.Unlock()
			return
		}
		batch := c.queue
		c.queue = nil
		c.mu.Unlock()
		err := c.writeBatch(batch)
		c.mu.Lock()
		if c.queue == nil && cap(batch) <= maxSpareQueue {
			c.queue = batch[:0] // reuse the array for the next batch
		}
		c.mu.Unlock()
		if errors.Is(err, os.ErrDeadlineExceeded) {
			c.dropSlow() // it could not take a batch within WriteTimeout
			return
		}
		if err != nil {
			c.close(websocket.StatusInternalError, "write failed")
			return
		}
	}
}

// maxSpareQueue is the largest queue array a client keeps between
// batches; a larger one (a burst) goes back to the garbage collector.
const maxSpareQueue = 32

// maxCorked is how many bytes of frames are gathered before they are
// sent: small messages go out many to a write, large ones one by one, so
// the send queue frees up as they leave.
const maxCorked = 32 << 10

// writeBatch frames the messages of batch into the corked socket and
// sends them with one write per maxCorked bytes, each of which must
// finish within WriteTimeout (a client that cannot take that much that
// fast is too slow anyway). The frames are written with no context:
// corked writes do not block, and a deadline per message would cost more
// than the write. Every message of batch counts as written afterwards.
func (c *client) writeBatch(batch [][]byte) error {
	var err error
	released := 0
	c.cork.cork()
	for i, msg := range batch {
		batch[i] = nil
		if err != nil {
			continue
		}
		err = c.conn.Write(context.Background(), websocket.MessageText, msg)
		if err == nil && c.cork.corkedBytes() >= maxCorked && i < len(batch)-1 {
			err = c.cork.uncork(c.h.cfg.WriteTimeout)
			c.written(i + 1 - released)
			released = i + 1
			c.cork.cork()
		}
	}
	if uerr := c.cork.uncork(c.h.cfg.WriteTimeout); err == nil {
		err = uerr
	}
	c.written(len(batch) - released)
	return err
}

// written frees n places of the send queue and wakes a waiting replay.
func (c *client) written(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending -= n
	if c.room != nil {
		select {
		case c.room <- struct{}{}:
		default:
		}
	}
}

// close ends the socket with code (once); the reader sees the close and
// cleans up.
func (c *client) close(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	if c.closing {
		c.mu.Unlock()
		return
	}
	c.closing = true
	c.queue = nil
	room := c.room
	c.mu.Unlock()
	if room != nil {
		select {
		case room <- struct{}{}:
		default:
		}
	}
	go func() { _ = c.conn.Close(code, reason) }()
}

func (c *client) isClosing() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closing
}
