package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// TestLLMBudgetSharedByInstances: with KPBOT_LLM_DAILY_TOKENS set, the
// model clients of two instances on one database spend from one budget
// per campaign, so the second is refused once the first spent it.
func TestLLMBudgetSharedByInstances(t *testing.T) {
	t.Parallel()
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"A comment."},"finish_reason":"stop"}],"usage":{"prompt_tokens":40,"completion_tokens":20,"total_tokens":60}}`)
	}))
	t.Cleanup(model.Close)
	db := dbtest.SQLite(t)
	require.NoError(t, bunstore.Migrate(t.Context(), db))
	cfg := Config{LLMBaseURL: model.URL + "/v1", LLMModel: "m", LLMDailyTokens: 100}
	logger := slog.New(slog.DiscardHandler)
	a, err := ProvideLLM(cfg, &Database{Bun: db}, logger)
	require.NoError(t, err)
	b, err := ProvideLLM(cfg, &Database{Bun: db}, logger)
	require.NoError(t, err)

	req := agents.GenerateRequest{CampaignID: "camp-1", Messages: []agents.Message{{Role: agents.RoleUser, Content: "Write."}}}
	ctx := context.Background()
	_, err = a.Generate(ctx, req)
	require.NoError(t, err, "60 of 100 tokens")
	_, err = b.Generate(ctx, req)
	require.NoError(t, err, "the other instance: 120 of 100, recorded after the call")
	_, err = a.Generate(ctx, req)
	assert.ErrorIs(t, err, agents.ErrBudgetExceeded, "the first instance sees what the second spent")
	other := req
	other.CampaignID = "camp-2"
	_, err = b.Generate(ctx, other)
	assert.NoError(t, err, "another campaign has its own budget")
}
