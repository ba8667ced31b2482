package openai

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/llm/llmtest"
)

// TestLLMConformance runs the LLM port's suite on the client, each backend
// an httptest server speaking the chat completions API: one that answers,
// one that never does, one that answers 429 and one that answers 500.
// Retries are off for the failing ones, so their first answer is final.
func TestLLMConformance(t *testing.T) {
	t.Parallel()
	llmtest.Run(t, func(t *testing.T) llmtest.Fixture {
		client := func(rep reply, cfg Config) *Client {
			fs := newFakeServer(t, rep)
			cfg.BaseURL, cfg.Model = fs.URL+"/v1", "test-model"
			c, err := New(cfg)
			require.NoError(t, err)
			return c
		}
		noRetry := Config{MaxRetries: -1}
		return llmtest.Fixture{
			LLM:          client(okReply("Partial indexes are a neat trick for hot rows."), Config{}),
			Stalled:      client(reply{status: 200, body: `{}`, delay: time.Hour}, Config{}),
			RateLimited:  client(reply{status: 429, body: `{"error":{"type":"rate_limit","message":"slow down"}}`}, noRetry),
			Broken:       client(reply{status: 500, body: `{"error":{"type":"server_error","message":"boom"}}`}, noRetry),
			ReportsUsage: true,
		}
	})
}
