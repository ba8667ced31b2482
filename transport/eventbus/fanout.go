package eventbus

import (
	"context"
	"sync"

	"github.com/kpbot/kpbot/events"
)

// fanout hands Notices to an adapter's subscriptions without ever
// blocking: every send happens under mu after checking there is room, and
// receivers only make more room.
type fanout struct {
	mu     sync.Mutex
	subs   map[*subscription]struct{}
	closed bool
	buffer int
}

// subscription is one Subscribe call's channel. Its last buffer slot is
// kept for a Lagged notice: a plain Notice goes in only while at least two
// slots are free, so a full channel always ends with a Lagged notice.
type subscription struct {
	ch   chan events.Notice
	stop func() bool
}

func newFanout(buffer int) *fanout {
	return &fanout{subs: make(map[*subscription]struct{}), buffer: buffer}
}

// subscribe adds a subscription that ends when ctx is done or the fanout
// is closed. It starts no goroutine.
func (f *fanout) subscribe(ctx context.Context) (<-chan events.Notice, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return nil, events.ErrBusClosed
	}
	s := &subscription{ch: make(chan events.Notice, f.buffer)}
	f.subs[s] = struct{}{}
	s.stop = context.AfterFunc(ctx, func() { f.remove(s) })
	return s.ch, nil
}

func (f *fanout) remove(s *subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.subs[s]; ok {
		delete(f.subs, s)
		close(s.ch)
	}
}

// deliver offers n to every subscription; it reports false once closed.
func (f *fanout) deliver(n events.Notice) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return false
	}
	for s := range f.subs {
		s.offer(n)
	}
	return true
}

// lagAll tells every subscription that notices were lost.
func (f *fanout) lagAll() { f.deliver(events.Notice{Lagged: true}) }

// offer queues n if there is room, else queues Lagged in the kept slot,
// else drops n: a Lagged notice is then already last in the queue.
func (s *subscription) offer(n events.Notice) {
	free := cap(s.ch) - len(s.ch)
	switch {
	case free >= 2 || (n.Lagged && free >= 1):
		s.ch <- n
	case free == 1:
		s.ch <- events.Notice{Lagged: true}
	}
}

// isClosed reports whether close has run.
func (f *fanout) isClosed() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.closed
}

// close ends every subscription and refuses new ones.
func (f *fanout) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for s := range f.subs {
		s.stop()
		delete(f.subs, s)
		close(s.ch)
	}
}
