package agents_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
)

// TestRetryGuardedStopsWhenTheSameCheckFailsTwice: a retry carries the
// previous reasons; an attempt failing a check the one before failed too
// ends the retries with the best attempt, flags kept.
func TestRetryGuardedStopsWhenTheSameCheckFailsTwice(t *testing.T) {
	verdicts := [][]string{{"too_short"}, {"generic_praise"}, {"generic_praise", "too_long"}, {}}
	var feedbacks [][]string
	g, err := agents.RetryGuarded(t.Context(), 5,
		func(_ context.Context, n int, feedback []string) (int, error) {
			feedbacks = append(feedbacks, feedback)
			return n, nil
		},
		func(n int) agents.Verdict {
			f := verdicts[n]
			return agents.Verdict{Passed: len(f) == 0, Score: 10 * n, Reasons: f, Flags: f}
		})
	require.NoError(t, err)
	assert.Equal(t, 3, g.Attempts, "attempt 3 failed generic_praise again: no fourth")
	assert.Equal(t, 2, g.Value, "the best-scoring attempt is kept")
	assert.Equal(t, []string{"generic_praise", "too_long"}, g.Verdict.Flags)
	assert.Equal(t, [][]string{nil, {"too_short"}, {"generic_praise"}}, feedbacks, "each retry carries the reasons before it")

	// Different checks each time: retries run to the limit.
	g, err = agents.RetryGuarded(t.Context(), 2,
		func(_ context.Context, n int, _ []string) (int, error) { return n, nil },
		func(n int) agents.Verdict {
			f := []string{[]string{"a", "b", "c"}[n]}
			return agents.Verdict{Reasons: f, Flags: f}
		})
	require.NoError(t, err)
	assert.Equal(t, 3, g.Attempts)
}
