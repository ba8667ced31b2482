package budget

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage/storetest"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func TestMemoryTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC)}
	b := NewMemory(Limits{DailyTokens: 100}, WithClock(clk.now))

	require.NoError(t, b.Check(ctx, "c1"))
	require.NoError(t, b.Spend(ctx, "c1", 60, 0))
	require.NoError(t, b.Check(ctx, "c1"))
	require.NoError(t, b.Spend(ctx, "c1", 60, 0))
	err := b.Check(ctx, "c1")
	require.ErrorIs(t, err, agents.ErrBudgetExceeded)
	assert.Contains(t, err.Error(), "120 of 100 daily tokens")
	assert.NoError(t, b.Check(ctx, "c2"), "keys are separate")

	// Still the same UTC day in another zone's evening.
	clk.set(time.Date(2026, 3, 1, 23, 59, 0, 0, time.UTC))
	require.ErrorIs(t, b.Check(ctx, "c1"), agents.ErrBudgetExceeded)
	// Midnight UTC resets.
	clk.set(time.Date(2026, 3, 2, 0, 0, 1, 0, time.UTC))
	require.NoError(t, b.Check(ctx, "c1"))
	tokens, _ := b.Used("c1")
	assert.Zero(t, tokens)
}

func TestMemoryCostAndPerKeyLimits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := NewMemory(Limits{DailyCostUSD: 0.5})
	b.SetLimits("vip", Limits{})
	require.NoError(t, b.Spend(ctx, "c1", 10, 0.5))
	require.ErrorIs(t, b.Check(ctx, "c1"), agents.ErrBudgetExceeded)
	require.NoError(t, b.Spend(ctx, "vip", 1e6, 100))
	assert.NoError(t, b.Check(ctx, "vip"), "no limit for vip")
	tokens, cost := b.Used("vip")
	assert.Equal(t, 1000000, tokens)
	assert.InDelta(t, 100, cost, 1e-9)
}

func TestWrapStopsCalls(t *testing.T) {
	t.Parallel()
	fs := &countingLLM{} // 42 tokens per call
	b := NewMemory(Limits{DailyTokens: 100})
	llm := Wrap(fs, b, nil)
	req := chatReq()
	req.CampaignID = "camp-1"

	for range 3 { // 0, 42, 84 used before each call: all allowed
		_, err := llm.Generate(context.Background(), req)
		require.NoError(t, err)
	}
	_, err := llm.Generate(context.Background(), req)
	require.ErrorIs(t, err, agents.ErrBudgetExceeded)
	assert.Contains(t, err.Error(), `"camp-1"`)
	assert.Equal(t, 3, fs.calls(), "the refused call never reached the model")

	other := req
	other.CampaignID = "camp-2"
	_, err = llm.Generate(context.Background(), other)
	require.NoError(t, err, "another campaign has its own budget")

	tokens, _ := b.Used("camp-1")
	assert.Equal(t, 126, tokens)
}

// countingLLM answers every call, reporting 42 tokens, and counts the
// calls that reached it.
type countingLLM struct {
	mu sync.Mutex
	n  int
}

func (c *countingLLM) Generate(ctx context.Context, _ agents.GenerateRequest) (agents.GenerateResponse, error) {
	if err := ctx.Err(); err != nil {
		return agents.GenerateResponse{}, fmt.Errorf("counting llm: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return agents.GenerateResponse{Content: "a comment", Usage: agents.Usage{PromptTokens: 12, CompletionTokens: 30, TotalTokens: 42}}, nil
}

func (c *countingLLM) calls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func chatReq() agents.GenerateRequest {
	return agents.GenerateRequest{
		System:    "be brief",
		Messages:  []agents.Message{{Role: agents.RoleUser, Content: "hello"}},
		MaxTokens: 128,
	}
}

// failingLLM fails every call.
type failingLLM struct{}

func (failingLLM) Generate(context.Context, agents.GenerateRequest) (agents.GenerateResponse, error) {
	return agents.GenerateResponse{Usage: agents.Usage{TotalTokens: 99}}, errors.New("boom")
}

func TestWrapCustomKeyAndFailures(t *testing.T) {
	t.Parallel()
	b := NewMemory(Limits{DailyTokens: 10})
	llm := Wrap(failingLLM{}, b, func(r agents.GenerateRequest) string { return r.Purpose })
	_, err := llm.Generate(context.Background(), agents.GenerateRequest{Purpose: "comment"})
	require.ErrorContains(t, err, "boom")
	tokens, _ := b.Used("comment")
	assert.Zero(t, tokens, "failed calls record nothing")
}

// TestMemorySuite runs the shared budget suite on Memory.
func TestMemorySuite(t *testing.T) {
	storetest.TestBudget(t, func(_ *testing.T, l agents.BudgetLimits, now func() time.Time) (agents.Budget, agents.Budget) {
		if now == nil {
			return NewMemory(l), nil
		}
		return NewMemory(l, WithClock(now)), nil
	})
}
