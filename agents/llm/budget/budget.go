package budget

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// Limits is a daily budget (agents.BudgetLimits).
type Limits = agents.BudgetLimits

// Memory is an in-process agents.Budget with daily limits that reset
// at midnight UTC; each process keeps its own (bunstore.LLMSpend is the
// one several instances share). It is an agents.Reserver: with Wrap
// the token limit is exact under concurrency. A reservation that does not
// fit while others are in flight waits for them to settle rather than
// being refused, so calls made at once are allowed exactly as many as
// calls made one at a time.
type Memory struct {
	now func() time.Time

	mu       sync.Mutex
	defaults Limits
	limits   map[string]Limits
	day      string // the UTC date the usage belongs to
	used     map[string]spent
	reserved map[string]int // tokens held by calls in flight
	settled  chan struct{}  // closed (and replaced) on every Settle
}

type spent struct {
	tokens int
	cost   float64
}

// Option configures a Memory.
type Option func(*Memory)

// WithClock makes the budget read the time from now (tests).
func WithClock(now func() time.Time) Option {
	return func(b *Memory) { b.now = now }
}

// NewMemory returns a Memory that applies defaults to every
// key without its own limits (see SetLimits).
func NewMemory(defaults Limits, opts ...Option) *Memory {
	b := &Memory{
		now: time.Now, defaults: defaults, limits: map[string]Limits{}, used: map[string]spent{},
		reserved: map[string]int{}, settled: make(chan struct{}),
	}
	for _, o := range opts {
		o(b)
	}
	return b
}

var _ agents.Reserver = (*Memory)(nil)

// Reserve implements agents.Reserver.
func (b *Memory) Reserve(ctx context.Context, key string, tokens int) error {
	for {
		b.mu.Lock()
		b.rollover()
		l, ok := b.limits[key]
		if !ok {
			l = b.defaults
		}
		s, held := b.used[key], b.reserved[key]
		if err := l.Exceeded(key, s.tokens, s.cost); err != nil {
			b.mu.Unlock()
			return err
		}
		if held == 0 || l.DailyTokens <= 0 || s.tokens+held < l.DailyTokens {
			b.reserved[key] = held + max(tokens, 0)
			b.mu.Unlock()
			return nil
		}
		// Calls in flight may use less than they hold: wait for them.
		ch := b.settled
		b.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Settle implements agents.Reserver.
func (b *Memory) Settle(_ context.Context, key string, reserved, tokens int, cost float64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover()
	b.reserved[key] = max(b.reserved[key]-max(reserved, 0), 0)
	if b.reserved[key] == 0 {
		delete(b.reserved, key)
	}
	s := b.used[key]
	s.tokens += max(tokens, 0)
	s.cost += max(cost, 0)
	b.used[key] = s
	close(b.settled)
	b.settled = make(chan struct{})
	return nil
}

// SetLimits gives key its own limits instead of the defaults.
func (b *Memory) SetLimits(key string, l Limits) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.limits[key] = l
}

// Used returns what key has spent today (UTC).
func (b *Memory) Used(key string) (tokens int, cost float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover()
	s := b.used[key]
	return s.tokens, s.cost
}

// Spend implements agents.Budget.
func (b *Memory) Spend(_ context.Context, key string, tokens int, cost float64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.rollover()
	s := b.used[key]
	s.tokens += max(tokens, 0)
	s.cost += max(cost, 0)
	b.used[key] = s
	return nil
}

// Check implements agents.Budget.
func (b *Memory) Check(_ context.Context, key string) error {
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
func (b *Memory) rollover() {
	day := b.now().UTC().Format(time.DateOnly)
	if day != b.day {
		b.day = day
		clear(b.used)
	}
}

// CampaignKey is the usual budget key: the request's CampaignID.
func CampaignKey(req agents.GenerateRequest) string { return req.CampaignID }

// Wrap wraps llm so that each call first asks b.Check for the key
// keyFn gives the request (CampaignKey when keyFn is nil) and is refused
// with an error wrapping agents.ErrBudgetExceeded when it is spent; after a
// successful call the response's usage is recorded with b.Spend. When b is
// an agents.Reserver the call instead reserves ReserveTokens(req) before
// and settles after, so the token limit holds exactly under concurrency.
func Wrap(llm agents.LLM, b agents.Budget, keyFn func(agents.GenerateRequest) string) agents.LLM {
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

// DefaultReserveCompletion is the completion tokens reserved for a request
// that sets no MaxTokens.
const DefaultReserveCompletion = 1024

// ReserveTokens is an upper bound of the tokens req can spend: its prompt
// counted as a token per byte (no tokenizer makes more), a few per message
// for the chat format, and its MaxTokens (DefaultReserveCompletion when
// unset).
func ReserveTokens(req agents.GenerateRequest) int {
	n := len(req.System) + 16
	for _, m := range req.Messages {
		n += len(m.Content) + 8
	}
	if len(req.Messages) == 0 && req.Post != nil {
		n += len(req.Post.Text) + len(req.Post.Title) + 2048 // the built prompt's own words
	}
	if req.MaxTokens > 0 {
		return n + req.MaxTokens
	}
	return n + DefaultReserveCompletion
}

func usedTokens(u agents.Usage) int {
	if u.TotalTokens > 0 {
		return u.TotalTokens
	}
	return u.PromptTokens + u.CompletionTokens
}

func (w *budgeted) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	key := w.key(req)
	if r, ok := w.budget.(agents.Reserver); ok {
		hold := ReserveTokens(req)
		if err := r.Reserve(ctx, key, hold); err != nil {
			return agents.GenerateResponse{}, fmt.Errorf("llm call refused: %w", err)
		}
		resp, err := w.next.Generate(ctx, req)
		var tokens int
		var cost float64
		if err == nil {
			tokens, cost = usedTokens(resp.Usage), resp.Usage.CostUSD
		}
		// Settle even when ctx has ended: the reservation must go.
		if serr := r.Settle(context.WithoutCancel(ctx), key, hold, tokens, cost); serr != nil && err == nil {
			return resp, fmt.Errorf("record llm usage for %q: %w", key, serr)
		}
		return resp, err
	}
	if err := w.budget.Check(ctx, key); err != nil {
		return agents.GenerateResponse{}, fmt.Errorf("llm call refused: %w", err)
	}
	resp, err := w.next.Generate(ctx, req)
	if err != nil {
		return resp, err
	}
	if err := w.budget.Spend(ctx, key, usedTokens(resp.Usage), resp.Usage.CostUSD); err != nil {
		return resp, fmt.Errorf("record llm usage for %q: %w", key, err)
	}
	return resp, nil
}
