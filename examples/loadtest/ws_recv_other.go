//go:build !linux

package main

import (
	"context"
	"sync"
	"sync/atomic"
)

// receiver reads a burst on many connections, a goroutine each.
type receiver struct{ conns []*wsConn }

// newReceiver prepares to read conns.
func newReceiver(conns []*wsConn) *receiver { return &receiver{conns: conns} }

// run reads until every connection got m events (runWSOnce closes the
// sockets when ctx ends).
func (r *receiver) run(_ context.Context, m int, received *atomic.Int64) {
	var wg sync.WaitGroup
	for _, c := range r.conns {
		wg.Go(func() { c.receive(m, received) })
	}
	wg.Wait()
}

// closeFD is a no-op: the receiver here reads through the connection.
func (c *wsConn) closeFD() {}
