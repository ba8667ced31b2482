package openai

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// Limits is a daily budget (agents.BudgetLimits).
type Limits = agents.BudgetLimits

// MemoryBudget is an in-process agents.Budget with daily limits that reset
// at midnight UTC; each process keeps its own (bunstore.LLMSpend is the
// one several instances share). Limits are soft under concurrency: calls
// already past Check when the budget runs out still record their usage.
type MemoryBudget struct {
	now func() time.Time

	mu       sync.Mutex
	defaults Limits
	limits   map[string]Limits
	day      string // the UTC date the usage belongs to
	used     map[string]spent
}

type spent struct {
	tokens int
	cost   float64
}

// BudgetOption configures a MemoryBudget.
type BudgetOption func(*MemoryBudget)

// WithClock makes the budget read the time from now (tests).
func WithClock(now func() time.Time) BudgetOption {
	return func(b *MemoryBudget) { b.now = now }
}

// NewMemoryBudget returns a MemoryBudget that applies defaults to every
// key without its own limits (see SetLimits).
func NewMemoryBudget(defaults Limits, opts ...BudgetOption) *MemoryBudget {
	b := &MemoryBudget{now: time.Now, defaults: defaults, limits: map[string]Limits{}, used: map[string]spent{}}
	for _, o := range opts {
		o(b)
	}
	return b
}

var _ agents.Budget = (*MemoryBudget)(nil)

// SetLimits gives key its own limits instead of the defaults.
func (b *MemoryBudget) SetLimits(key string, l Limits) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limits[key] = l
}

// Used returns what key has spent today (UTC).
func (b *MemoryBudget) Used(key string) (tokens int, cost float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover()
	s := b.used[key]
	return s.tokens, s.cost
}

// Spend implements Budget.
func (b *MemoryBudget) Spend(_ context.Context, key string, tokens int, cost float64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover()
	s := b.used[key]
	s.tokens += max(tokens, 0)
	s.cost += max(cost, 0)
	b.used[key] = s
	return nil
}

// Check implements Budget.
func (b *MemoryBudget) Check(_ context.Context, key string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover()
	l, ok := b.limits[key]
	if !ok {
		l = b.defaults
	}
	s := b.used[key]
	return l.Exceeded(key, s.tokens, s.cost)
}

// rollover forgets yesterday's usage. Callers hold mu.
func (b *MemoryBudget) rollover() {
	day := b.now().UTC().Format(time.DateOnly)
	if day != b.day {
		b.day = day
		clear(b.used)
	}
}

// CampaignKey is the usual budget key: the request's CampaignID.
func CampaignKey(req agents.GenerateRequest) string { return req.CampaignID }

// WithBudget wraps llm so that each call first asks b.Check for the key
// keyFn gives the request (CampaignKey when keyFn is nil) and is refused
// with an error wrapping agents.ErrBudgetExceeded when it is spent; after a
// successful call the response's usage is recorded with b.Spend.
func WithBudget(llm agents.LLM, b agents.Budget, keyFn func(agents.GenerateRequest) string) agents.LLM {
	if keyFn == nil {
		keyFn = CampaignKey
	}
	return &budgeted{next: llm, budget: b, key: keyFn}
}

type budgeted struct {
	next   agents.LLM
	budget agents.Budget
	key    func(agents.GenerateRequest) string
}

func (w *budgeted) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	key := w.key(req)
	if err := w.budget.Check(ctx, key); err != nil {
		return agents.GenerateResponse{}, fmt.Errorf("llm call refused: %w", err)
	}
	resp, err := w.next.Generate(ctx, req)
	if err != nil {
		return resp, err
	}
	tokens := resp.Usage.TotalTokens
	if tokens == 0 {
		tokens = resp.Usage.PromptTokens + resp.Usage.CompletionTokens
	}
	if err := w.budget.Spend(ctx, key, tokens, resp.Usage.CostUSD); err != nil {
		return resp, fmt.Errorf("record llm usage for %q: %w", key, err)
	}
	return resp, nil
}
