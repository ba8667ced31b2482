package crewtest

import (
	"context"
	"sync"

	"github.com/kpbot/kpbot/agents"
)

// GatedLLM wraps an LLM and, once it has answered BlockAfter calls, holds
// every further call until Release (or the call's ctx ends) — so a test can
// stop a run partway through drafting.
type GatedLLM struct {
	inner      agents.LLM
	blockAfter int

	mu       sync.Mutex
	calls    int
	released bool
	gate     chan struct{}
	reached  chan struct{}
	once     sync.Once
}

var _ agents.LLM = (*GatedLLM)(nil)

// NewGatedLLM returns a GatedLLM over inner that blocks from call
// blockAfter+1 on; a negative blockAfter never blocks.
func NewGatedLLM(inner agents.LLM, blockAfter int) *GatedLLM {
	return &GatedLLM{inner: inner, blockAfter: blockAfter, gate: make(chan struct{}), reached: make(chan struct{})}
}

// Generate answers through the inner LLM, waiting at the gate when due.
func (g *GatedLLM) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	g.mu.Lock()
	n := g.calls
	g.calls++
	block := g.blockAfter >= 0 && n >= g.blockAfter && !g.released
	g.mu.Unlock()
	if block {
		g.once.Do(func() { close(g.reached) })
		select {
		case <-g.gate:
		case <-ctx.Done():
			return agents.GenerateResponse{}, ctx.Err()
		}
	}
	return g.inner.Generate(ctx, req)
}

// Reached is closed when the first call is held at the gate.
func (g *GatedLLM) Reached() <-chan struct{} { return g.reached }

// Release opens the gate for good.
func (g *GatedLLM) Release() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.released {
		g.released = true
		close(g.gate)
	}
}

// Calls counts Generate calls so far, held ones included.
func (g *GatedLLM) Calls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// FailingLLM answers every call with Err.
type FailingLLM struct{ Err error }

var _ agents.LLM = FailingLLM{}

// Generate returns f.Err.
func (f FailingLLM) Generate(context.Context, agents.GenerateRequest) (agents.GenerateResponse, error) {
	return agents.GenerateResponse{}, f.Err
}
