package budget

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/llm/llmtest"
)

// stubLLM stands for an adapter's failing backends: it fails every call
// with err, or, with err nil, waits for the call's context to end.
type stubLLM struct{ err error }

func (s stubLLM) Generate(ctx context.Context, _ agents.GenerateRequest) (agents.GenerateResponse, error) {
	if s.err != nil {
		return agents.GenerateResponse{}, s.err
	}
	<-ctx.Done()
	return agents.GenerateResponse{}, fmt.Errorf("stub: %w", ctx.Err())
}

// TestLLMConformance runs the LLM port's suite on the budget decorator,
// over the Memory budget (a Reserver) and over a plain Budget: it must pass
// the inner adapter's answers, usage and refusals through unchanged, and
// refuse with agents.ErrBudgetExceeded once the day is spent.
func TestLLMConformance(t *testing.T) {
	t.Parallel()
	for name, wrap := range map[string]func(agents.Budget) agents.Budget{
		"Reserver":      func(b agents.Budget) agents.Budget { return b },
		"CheckAndSpend": func(b agents.Budget) agents.Budget { return struct{ agents.Budget }{b} },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			llmtest.Run(t, func(t *testing.T) llmtest.Fixture {
				open := wrap(NewMemory(Limits{DailyTokens: 1_000_000}))
				spent := NewMemory(Limits{DailyTokens: 100})
				require.NoError(t, spent.Spend(t.Context(), llmtest.CampaignID, 100, 0))
				return llmtest.Fixture{
					LLM:          Wrap(&countingLLM{}, open, nil),
					Stalled:      Wrap(stubLLM{}, open, nil),
					RateLimited:  Wrap(stubLLM{err: fmt.Errorf("stub: HTTP 429: %w", agents.ErrRateLimited)}, open, nil),
					Broken:       Wrap(stubLLM{err: errors.New("stub: HTTP 500")}, open, nil),
					BudgetSpent:  Wrap(&countingLLM{}, wrap(spent), nil),
					ReportsUsage: true,
				}
			})
		})
	}
}
