//go:build linux

package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// receiver reads a burst on many connections. On Linux one goroutine
// serves every socket through its own epoll set, reading whatever has
// arrived and parsing the frames in place: a goroutine per socket would
// cost the load generator a wake-up and a scheduling round per socket and
// batch of events, CPU taken from the server it shares the cores with.
type receiver struct {
	conns []*wsConn
	epfd  int
	open  int
	plain []*wsConn // read with a goroutine each (no descriptor, bytes buffered)
}

// newReceiver registers every connection, before the burst.
func newReceiver(conns []*wsConn) *receiver {
	r := &receiver{conns: conns, epfd: -1}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		r.plain = conns
		return r
	}
	r.epfd = epfd
	for i, c := range conns {
		ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(i)}
		if c.c.br.Buffered() > 0 || len(c.c.pending) > 0 || !c.rawFD() {
			r.plain = append(r.plain, c)
			continue
		}
		if unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, c.fd, &ev) != nil {
			c.done = true // its events count as lost
			continue
		}
		r.open++
	}
	return r
}

// run reads until every connection got m events or ctx ends.
func (r *receiver) run(ctx context.Context, m int, received *atomic.Int64) {
	if r.epfd >= 0 {
		defer unix.Close(r.epfd)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	for _, c := range r.plain {
		wg.Go(func() { c.receive(m, received) })
	}
	events := make([]unix.EpollEvent, 256)
	buf := make([]byte, 64<<10)
	for r.open > 0 && ctx.Err() == nil {
		n, err := unix.EpollWait(r.epfd, events, 50)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return
		}
		now := time.Now()
		for _, ev := range events[:n] {
			c := r.conns[ev.Fd]
			if !c.done && c.readReady(buf, m, now, received) {
				c.done = true // its socket stays in the set, silent, until the set closes
				r.open--
			}
		}
	}
}

// rawFD takes the socket over from the Go runtime: it keeps a duplicate
// of its descriptor (non-blocking, like the original) and closes the
// connection, which drops the original from the runtime's own epoll set.
// Otherwise every arriving segment would wake two epoll sets, at a cost
// paid partly by the server's writes.
func (c *wsConn) rawFD() bool {
	sc, ok := c.c.conn.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	c.fd = -1
	if err := rc.Control(func(fd uintptr) {
		if nfd, err := unix.Dup(int(fd)); err == nil {
			c.fd = nfd
		}
	}); err != nil || c.fd < 0 {
		return false
	}
	if err := unix.SetNonblock(c.fd, true); err != nil {
		_ = unix.Close(c.fd)
		c.fd = -1
		return false
	}
	c.ownFD = true
	c.c.out = fdWriter(c.fd)
	_ = c.c.conn.Close()
	return true
}

// closeFD closes the descriptor rawFD took.
func (c *wsConn) closeFD() {
	if c.ownFD {
		c.ownFD = false
		_ = unix.Close(c.fd)
	}
}

// fdWriter writes a few bytes (a pong) to a non-blocking socket.
type fdWriter int

func (w fdWriter) Write(p []byte) (int, error) {
	total := 0
	for total < len(p) {
		n, err := unix.Write(int(w), p[total:])
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// readReady reads what has arrived on c (its socket is non-blocking) and
// handles its frames; it reports whether c is done: every event in, or
// the connection failed.
func (c *wsConn) readReady(buf []byte, m int, now time.Time, received *atomic.Int64) bool {
	for {
		n, err := unix.Read(c.fd, buf)
		if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
			return false
		}
		if err != nil || n == 0 {
			return true // closed: what did not arrive counts as lost
		}
		data := buf[:n]
		if len(c.c.pending) > 0 {
			c.c.pending = append(c.c.pending, data...)
			data = c.c.pending
		}
		used, done, err := c.handleFrames(data, m, now, received)
		if err != nil || done {
			return true
		}
		c.c.pending = append(c.c.pending[:0], data[used:]...)
		if n < len(buf) {
			return false // drained; epoll says when more comes
		}
	}
}
