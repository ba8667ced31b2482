package realtime

import (
	"context"
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

func newClient(h *Hub, conn *websocket.Conn) *client {
	return &client{h: h, conn: conn, follows: map[string]*follow{}}
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

// writeLoop writes queued messages until the queue is empty.
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
		// One deadline per batch: a client that cannot take a whole batch
		// within WriteTimeout is too slow anyway, and a timer per message
		// would cost more than the write.
		ctx, cancel := context.WithTimeout(context.Background(), c.h.cfg.WriteTimeout)
		for i, msg := range batch {
			err := c.conn.Write(ctx, websocket.MessageText, msg)
			batch[i] = nil
			c.mu.Lock()
			c.pending--
			if c.room != nil {
				select {
				case c.room <- struct{}{}:
				default:
				}
			}
			c.mu.Unlock()
			if err != nil {
				cancel()
				c.close(websocket.StatusInternalError, "write failed")
				return
			}
		}
		cancel()
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
