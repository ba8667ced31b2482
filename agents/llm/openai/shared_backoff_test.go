package openai

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
)

// TestConcurrentCallsShareTheRateLimitPause: once one call is told 429 /
// Retry-After, calls started afterwards send nothing until the pause
// (Retry-After capped by MaxBackoff) has passed, and all then succeed.
func TestConcurrentCallsShareTheRateLimitPause(t *testing.T) {
	const pause = 300 * time.Millisecond
	var mu sync.Mutex
	var limitedAt time.Time
	var arrivals []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		first := limitedAt.IsZero()
		if first {
			limitedAt = time.Now()
		} else {
			arrivals = append(arrivals, time.Now())
		}
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":{"message":"slow down","type":"rate_limit"}}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"model":"m","choices":[{"message":{"role":"assistant","content":"ok"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`)
	}))
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, Model: "m", MaxBackoff: pause})
	require.NoError(t, err)
	req := agents.GenerateRequest{Messages: []agents.Message{{Role: agents.RoleUser, Content: "hi"}}}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	wg.Go(func() { _, errs[0] = c.Generate(t.Context(), req) })
	require.Eventually(t, func() bool { return c.PausedUntil().After(time.Now()) }, 5*time.Second, time.Millisecond,
		"the 429 pauses the client")
	for i := 1; i < 4; i++ {
		wg.Go(func() { _, errs[i] = c.Generate(t.Context(), req) })
	}
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	mu.Lock()
	defer mu.Unlock()
	require.Len(t, arrivals, 4, "the retry and the three later calls")
	for _, at := range arrivals {
		assert.GreaterOrEqual(t, at.Sub(limitedAt), pause, "a request went out during the shared pause")
	}
}
