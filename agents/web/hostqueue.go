package web

import (
	"context"
	"iter"
	"sync"
	"time"
)

// TurnKeeper tells when a URL's host may next be asked; *Fetcher is one.
type TurnKeeper interface {
	// NextTurn is the earliest time a request to rawURL's host would not
	// wait for politeness (the zero time when it would not wait at all).
	NextTurn(rawURL string) time.Time
}

// NextTurn reports when rawURL's host is next free: its previous request
// ended plus the delay that request used (the configured delay or
// robots.txt's Crawl-delay, whichever is longer). A host with a request in
// flight is not free before now plus the configured delay.
func (f *Fetcher) NextTurn(rawURL string) time.Time {
	u, err := parseHTTPURL(rawURL)
	if err != nil {
		return time.Time{}
	}
	return f.gate.nextTurn(hostKey(u), f.cfg.PerHostDelay)
}

func (g *hostGate) nextTurn(key string, delay time.Duration) time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.hosts[key]
	if s == nil {
		return time.Time{}
	}
	if len(s.sem) > 0 {
		return time.Now().Add(max(delay, s.delay))
	}
	return s.last.Add(s.delay)
}

// HostQueueConfig bounds EachByHost.
type HostQueueConfig struct {
	// Workers is the cap on items handled at once (so on requests in
	// flight); at least 1.
	Workers int
	// MaxQueued is the cap on items taken from the sequence but not yet
	// handled; reading the sequence pauses while it is reached. At least 1.
	MaxQueued int
	// Turns, when set, tells when each host is next free, so a worker is
	// only given a host whose politeness delay has passed.
	Turns TurnKeeper
}

// EachByHost calls do for every item of items, scheduling by host: each
// host (the host and port of urlOf(item)) has its own FIFO queue, at most
// one of its items is handled at a time (until do calls its free, when
// it is done with the host and only working on what it fetched: the
// host's next item may then start), and a worker takes the next item
// of whichever host is free soonest, so every host with work progresses at
// its own polite pace while the others do too. Queued items are plain
// values: no goroutine or buffer per item, Workers goroutines in all. It
// returns when every item taken has been handled, or ctx's error once ctx
// ends (items not yet started are dropped).
func EachByHost[T any](ctx context.Context, cfg HostQueueConfig, items iter.Seq[T], urlOf func(T) string, do func(ctx context.Context, item T, free func())) error {
	s := &hostSched[T]{
		cfg:     cfg,
		urlOf:   urlOf,
		hosts:   map[string]*hostQueue[T]{},
		changed: make(chan struct{}),
	}
	s.cfg.Workers = max(cfg.Workers, 1)
	s.cfg.MaxQueued = max(cfg.MaxQueued, 1)
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() { s.work(ctx, do) })
	}
	s.feed(ctx, items)
	wg.Wait()
	return ctx.Err()
}

// hostQueue is one host's pending items.
type hostQueue[T any] struct {
	key   string
	items []T
	head  int
	busy  bool
}

func (q *hostQueue[T]) pending() int { return len(q.items) - q.head }

// hostSched is one EachByHost's state.
type hostSched[T any] struct {
	cfg   HostQueueConfig
	urlOf func(T) string

	mu      sync.Mutex
	hosts   map[string]*hostQueue[T]
	active  []*hostQueue[T] // hosts with pending items, round-robin
	rr      int
	queued  int
	done    bool          // the sequence is exhausted or abandoned
	changed chan struct{} // closed (and replaced) on every change
}

// signalLocked wakes everyone waiting for a change.
func (s *hostSched[T]) signalLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// feed reads items into their hosts' queues, pausing while MaxQueued are
// pending.
func (s *hostSched[T]) feed(ctx context.Context, items iter.Seq[T]) {
	defer func() {
		s.mu.Lock()
		s.done = true
		s.signalLocked()
		s.mu.Unlock()
	}()
	for it := range items {
		s.mu.Lock()
		for s.queued >= s.cfg.MaxQueued {
			ch := s.changed
			s.mu.Unlock()
			select {
			case <-ch:
			case <-ctx.Done():
				return
			}
			s.mu.Lock()
		}
		key := queueKey(s.urlOf(it))
		q := s.hosts[key]
		if q == nil {
			q = &hostQueue[T]{key: key}
			s.hosts[key] = q
		}
		if q.pending() == 0 && !q.busy {
			s.active = append(s.active, q)
		}
		q.items = append(q.items, it)
		s.queued++
		s.signalLocked()
		s.mu.Unlock()
		if ctx.Err() != nil {
			return
		}
	}
}

// work handles items until the sequence is done and nothing is pending.
func (s *hostSched[T]) work(ctx context.Context, do func(context.Context, T, func())) {
	for {
		s.mu.Lock()
		it, q, wait, ok := s.pickLocked(time.Now())
		if ok {
			s.mu.Unlock()
			free := sync.OnceFunc(func() {
				s.mu.Lock()
				defer s.mu.Unlock()
				q.busy = false
				if q.pending() > 0 {
					s.active = append(s.active, q)
				} else {
					delete(s.hosts, q.key)
				}
				s.signalLocked()
			})
			do(ctx, it, free)
			free()
			continue
		}
		if s.done && s.queued == 0 {
			s.mu.Unlock()
			return
		}
		ch := s.changed
		s.mu.Unlock()
		var timer *time.Timer
		var fire <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		select {
		case <-ch:
		case <-fire:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// pickLocked takes the next item of a free host whose turn has come, or
// reports how long until the soonest turn (0: wait for a change).
func (s *hostSched[T]) pickLocked(now time.Time) (it T, q *hostQueue[T], wait time.Duration, ok bool) {
	n := len(s.active)
	for i := range n {
		j := (s.rr + i) % n
		c := s.active[j]
		if s.cfg.Turns != nil {
			if at := s.cfg.Turns.NextTurn(s.urlOf(c.items[c.head])); at.After(now) {
				if d := at.Sub(now); wait == 0 || d < wait {
					wait = d
				}
				continue
			}
		}
		it = c.items[c.head]
		var zero T
		c.items[c.head] = zero
		c.head++
		if c.pending() == 0 {
			c.items, c.head = c.items[:0], 0
		}
		c.busy = true
		s.queued--
		// A busy host leaves the active list until its item is handled.
		s.active = append(s.active[:j], s.active[j+1:]...)
		s.rr = j
		s.signalLocked()
		return it, c, 0, true
	}
	return it, nil, wait, false
}

// queueKey is rawURL's politeness slot, or "" when it does not parse.
func queueKey(rawURL string) string {
	u, err := parseHTTPURL(rawURL)
	if err != nil {
		return ""
	}
	return hostKey(u)
}
