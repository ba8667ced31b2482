package eventbus

import (
	"context"
	"fmt"
	"sync"

	"github.com/kpbot/kpbot/events"
)

// listenerLife is the lifecycle the remote buses share: the listener
// starts with the first Subscribe, at most once and never after Close, and
// Close waits for it to stop.
type listenerLife struct {
	startOnce sync.Once
	ready     chan struct{} // closed when the first LISTEN/SUBSCRIBE succeeded
	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{} // closed when the listener has stopped
	started   bool
	mu        sync.Mutex
}

func (l *listenerLife) init() {
	l.ready, l.done = make(chan struct{}), make(chan struct{})
	l.ctx, l.cancel = context.WithCancel(context.Background())
}

// start runs launch (which starts the listener goroutine) once, unless the
// bus was closed first.
func (l *listenerLife) start(launch func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.startOnce.Do(func() {
		l.started = true
		launch()
	})
}

// awaitReady waits until the listener is in place, ctx ends, or the bus
// closes; what names the operation in errors ("LISTEN", "SUBSCRIBE").
func (l *listenerLife) awaitReady(ctx context.Context, what string) error {
	select {
	case <-l.ready:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("subscribe: wait for %s: %w", what, ctx.Err())
	case <-l.done:
		return fmt.Errorf("subscribe: %w", events.ErrBusClosed)
	}
}

// stop cancels the listener and waits for it; interrupt, when not nil,
// unblocks a listener that does not watch its context.
func (l *listenerLife) stop(interrupt func()) {
	l.mu.Lock()
	l.startOnce.Do(func() {}) // no listener may start after Close
	started := l.started
	l.mu.Unlock()
	l.cancel()
	if !started {
		select {
		case <-l.done:
		default:
			close(l.done)
		}
		return
	}
	if interrupt != nil {
		interrupt()
	}
	<-l.done
}
