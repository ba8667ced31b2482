package riverjob_test

import (
	"context"
	"sync"

	"github.com/kpbot/kpbot/agents"
)

// heldSink is a crew sink that holds the draft save after the first n
// until Release (or the save's ctx ends): a run is stopped there with
// exactly n drafts stored and counted, however many drafts it wrote
// before (drafting starts during analysis, and drafts are stored in the
// prospects' order once it ends, so a held model call says nothing about
// what is stored).
type heldSink struct {
	agents.Sink
	n int

	mu       sync.Mutex
	saves    int
	released bool
	gate     chan struct{}
	reached  chan struct{}
	once     sync.Once
}

func newHeldSink(inner agents.Sink, n int) *heldSink {
	return &heldSink{Sink: inner, n: n, gate: make(chan struct{}), reached: make(chan struct{})}
}

// SaveDraft saves through the inner sink, waiting at the gate when due.
func (s *heldSink) SaveDraft(ctx context.Context, d agents.DraftResult) (bool, error) {
	s.mu.Lock()
	hold := s.saves >= s.n && !s.released
	s.saves++
	s.mu.Unlock()
	if hold {
		s.once.Do(func() { close(s.reached) })
		select {
		case <-s.gate:
		case <-ctx.Done():
			return false, ctx.Err()
		}
	}
	return s.Sink.SaveDraft(ctx, d)
}

// Reached is closed when the first save is held.
func (s *heldSink) Reached() <-chan struct{} { return s.reached }

// Release opens the gate for good.
func (s *heldSink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.released {
		s.released = true
		close(s.gate)
	}
}
