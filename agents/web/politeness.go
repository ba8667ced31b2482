package web

import (
	"context"
	"sync"
	"time"
)

// hostGate serialises requests per host key and spaces them by a delay.
type hostGate struct {
	mu    sync.Mutex
	hosts map[string]*hostSlot
}

// hostSlot is one host's turn: sem holds one token while a request is in
// flight; refs, last and delay are guarded by hostGate.mu.
type hostSlot struct {
	sem   chan struct{}
	refs  int
	last  time.Time
	delay time.Duration
}

// pruneAbove is the number of idle host slots kept before idle ones whose
// delay has passed are dropped, so the map tracks live hosts only.
const pruneAbove = 1024

func newHostGate() *hostGate { return &hostGate{hosts: make(map[string]*hostSlot)} }

// acquire waits for key's turn: no other request to key in flight and at
// least delay since the previous one ended. The returned release must be
// called once the response body is read.
func (g *hostGate) acquire(ctx context.Context, key string, delay time.Duration) (func(), error) {
	g.mu.Lock()
	s := g.hosts[key]
	if s == nil {
		if len(g.hosts) >= pruneAbove {
			g.pruneLocked(time.Now())
		}
		s = &hostSlot{sem: make(chan struct{}, 1)}
		g.hosts[key] = s
	}
	s.refs++
	g.mu.Unlock()

	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		g.unref(s)
		return nil, ctx.Err()
	}
	g.mu.Lock()
	wait := time.Until(s.last.Add(delay))
	g.mu.Unlock()
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			<-s.sem
			g.unref(s)
			return nil, ctx.Err()
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			s.last = time.Now()
			s.delay = delay
			g.mu.Unlock()
			<-s.sem
			g.unref(s)
		})
	}, nil
}

func (g *hostGate) unref(s *hostSlot) {
	g.mu.Lock()
	s.refs--
	g.mu.Unlock()
}

// pruneLocked drops idle slots whose delay has already elapsed; forgetting
// them cannot shorten any wait.
func (g *hostGate) pruneLocked(now time.Time) {
	for k, s := range g.hosts {
		if s.refs == 0 && !now.Before(s.last.Add(s.delay)) {
			delete(g.hosts, k)
		}
	}
}
