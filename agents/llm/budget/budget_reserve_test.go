package budget

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
)

// TestWrapIsExactUnderConcurrency: many calls at once against a small
// daily token budget make exactly as many model calls, and spend exactly
// as much, as calls made one at a time would; the rest are refused.
func TestWrapIsExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		limit, calls int
	}{
		{"tiny", 100, 40},     // a reservation is over the limit: one call at a time
		{"small", 2000, 120},  // several reservations fit at once
		{"larger", 5000, 200}, // 5000/42 rounded up: 120 calls
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := &countingLLM{} // 42 tokens per call
			b := NewMemory(Limits{DailyTokens: tc.limit})
			llm := Wrap(fs, b, nil)
			req := chatReq()
			req.CampaignID = "camp"

			var wg sync.WaitGroup
			var mu sync.Mutex
			ok, refused := 0, 0
			for range tc.calls {
				wg.Go(func() {
					_, err := llm.Generate(t.Context(), req)
					mu.Lock()
					defer mu.Unlock()
					switch {
					case err == nil:
						ok++
					case errors.Is(err, agents.ErrBudgetExceeded):
						refused++
					default:
						t.Errorf("unexpected error: %v", err)
					}
				})
			}
			wg.Wait()
			// One at a time: calls go while spent < limit.
			want := (tc.limit + 41) / 42
			assert.Equal(t, want, ok, "calls allowed")
			assert.Equal(t, tc.calls-want, refused)
			assert.Equal(t, want, fs.calls(), "refused calls never reached the model")
			tokens, _ := b.Used("camp")
			assert.Equal(t, want*42, tokens)
			assert.Less(t, tokens-42, tc.limit, "never past the limit by more than the last call one at a time would make")
		})
	}
}

// TestWrapSettlesFailedAndCancelledCalls: a failed or cancelled call
// spends nothing and frees its reservation.
func TestWrapSettlesFailedAndCancelledCalls(t *testing.T) {
	t.Parallel()
	b := NewMemory(Limits{DailyTokens: 10})
	llm := Wrap(failingLLM{}, b, nil)
	for range 3 {
		_, err := llm.Generate(context.Background(), agents.GenerateRequest{CampaignID: "c"})
		require.ErrorContains(t, err, "boom")
	}
	tokens, _ := b.Used("c")
	assert.Zero(t, tokens)
	require.NoError(t, b.Reserve(t.Context(), "c", 10), "nothing is left held")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	require.ErrorIs(t, b.Reserve(ctx, "c", 5), context.Canceled, "a second reservation over the limit waits, until ctx ends")
	require.NoError(t, b.Settle(t.Context(), "c", 10, 0, 0))
	require.NoError(t, b.Reserve(t.Context(), "c", 5), "settled: room again")
}
