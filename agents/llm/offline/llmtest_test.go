package offline_test

import (
	"testing"

	"github.com/kpbot/kpbot/agents/llm/llmtest"
	"github.com/kpbot/kpbot/agents/llm/offline"
)

// TestLLMConformance runs the LLM port's suite on the offline writer: it
// has no backend, so only answering, concurrency and cancellation apply.
func TestLLMConformance(t *testing.T) {
	t.Parallel()
	llmtest.Run(t, func(t *testing.T) llmtest.Fixture {
		g, err := offline.New(offline.Config{})
		if err != nil {
			t.Fatal(err)
		}
		return llmtest.Fixture{LLM: g, ReportsUsage: true}
	})
}
