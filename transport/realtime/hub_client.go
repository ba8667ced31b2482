package realtime

import (
	"errors"
	"os"
	"sync"

	"github.com/coder/websocket"

	"github.com/kpbot/kpbot/auth"
)

// client is one socket. Its send queue of frames is drained by a writer
// goroutine that runs only while there is something to write, so an idle
// socket costs one goroutine (its reader).
type client struct {
	h    *Hub
	conn *websocket.Conn
	sock *frameConn // conn's socket

	// follows is guarded by h.mu.
	follows map[string]*follow

	mu        sync.Mutex
	principal *auth.Principal
	token     string
	queue     [][]byte // frames
	pending   int      // queued plus being written
	writing   bool     // a writer goroutine is running
	closing   bool
	room      chan struct{} // signalled when the writer frees room, for replays
}

func newClient(h *Hub, conn *websocket.Conn, sock *frameConn) *client {
	return &client{h: h, conn: conn, sock: sock, follows: map[string]*follow{}}
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

// send queues f and starts a writer when none runs; it reports false when
// the queue is full (the caller drops the client as too slow) and true
// when queued or when the client is closing anyway.
func (c *client) send(f frame) bool {
	ok, start := c.enqueue(f)
	if start {
		go c.writeLoop()
	}
	return ok
}

// enqueue queues f like send, but leaves starting the writer to the
// caller: start reports that the caller must now call flush or writeLoop.
func (c *client) enqueue(f frame) (ok, start bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing {
		return true, false
	}
	if c.pending >= c.h.cfg.SendQueue {
		return false, false
	}
	c.queue = append(c.queue, f)
	c.pending++
	if !c.writing {
		c.writing = true
		return true, true
	}
	return true, false
}

// flush is the writer's work done on the caller's goroutine: it sends the
// queue as far as the socket takes it at once, and starts a writer
// goroutine only for what is left (a client that is behind). A fan-out to
// thousands of sockets that keep up thus starts no goroutine at all.
func (c *client) flush() {
	for {
		batch, ok := c.takeBatch()
		if !ok {
			return
		}
		rest, err := c.sock.writeNow(batch)
		if err != nil {
			c.written(len(batch))
			clear(batch)
			c.close(websocket.StatusInternalError, "write failed")
			c.stopWriting()
			return
		}
		c.written(len(batch) - len(rest))
		if len(rest) > 0 {
			go c.finishBatch(batch, rest)
			return
		}
		c.recycle(batch)
	}
}

// finishBatch sends the rest of a batch flush could not, then goes on as
// the client's writer.
func (c *client) finishBatch(batch, rest [][]byte) {
	ok := c.sendBatch(rest)
	clear(batch)
	if !ok {
		c.stopWriting()
		return
	}
	c.writeLoop()
}

// takeBatch takes the queue, or stops the writer when it is empty.
func (c *client) takeBatch() ([][]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closing || len(c.queue) == 0 {
		c.writing = false
		return nil, false
	}
	batch := c.queue
	c.queue = nil
	return batch, true
}

func (c *client) stopWriting() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writing = false
}

// recycle keeps a sent batch's array for the next one.
func (c *client) recycle(batch [][]byte) {
	clear(batch)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.queue == nil && cap(batch) <= maxSpareQueue {
		c.queue = batch[:0]
	}
}

// sendBatch writes batch with writeBatch and handles its failure: a
// client too slow for WriteTimeout is dropped, any other error closes it.
// It reports whether the client can go on.
func (c *client) sendBatch(batch [][]byte) bool {
	err := c.writeBatch(batch)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.dropSlow() // it could not take a batch within WriteTimeout
		return false
	}
	if err != nil {
		c.close(websocket.StatusInternalError, "write failed")
		return false
	}
	return true
}

// sendOrDrop queues f or closes the client as too slow.
func (c *client) sendOrDrop(f frame) bool {
	if c.send(f) {
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
		batch, ok := c.takeBatch()
		if !ok {
			return
		}
		if !c.sendBatch(batch) {
			c.stopWriting()
			return
		}
		c.recycle(batch)
	}
}

// maxSpareQueue is the largest queue array a client keeps between
// batches; a larger one (a burst) goes back to the garbage collector.
const maxSpareQueue = 32

// maxWriteBytes is how many bytes of frames one write sends at most: small
// messages go out many to a write, and a large batch leaves in steps so
// the send queue frees up as it goes.
const maxWriteBytes = 32 << 10

// writeBatch sends the frames of batch with one vectored write per
// maxWriteBytes, each of which must finish within WriteTimeout (a client
// that cannot take that much that fast is too slow anyway). Every frame
// of batch counts as written afterwards.
func (c *client) writeBatch(batch [][]byte) error {
	var err error
	for len(batch) > 0 && err == nil {
		n, size := 0, 0
		for n < len(batch) && (n == 0 || size+len(batch[n]) <= maxWriteBytes) {
			size += len(batch[n])
			n++
		}
		err = c.sock.writeFrames(batch[:n], c.h.cfg.WriteTimeout)
		clear(batch[:n])
		c.written(n)
		batch = batch[n:]
	}
	c.written(len(batch))
	clear(batch)
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
