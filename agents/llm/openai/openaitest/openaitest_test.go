package openaitest_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/llm/openai"
	"github.com/kpbot/kpbot/agents/llm/openai/openaitest"
)

func TestServerAnswersWithTheGeneratorsTextAndCounts(t *testing.T) {
	gen, err := offline.New(offline.Config{})
	require.NoError(t, err)
	srv := openaitest.NewServer(gen, 0)
	t.Cleanup(srv.Close)
	assert.True(t, srv.FirstCall().Equal(time.Unix(0, 0)), "no call yet")

	req := agents.GenerateRequest{Messages: []agents.Message{{Role: "user", Content: "Write a short comment on a post about Postgres indexes."}}}
	want, err := gen.Generate(context.Background(), req)
	require.NoError(t, err)

	client, err := openai.New(openai.Config{BaseURL: srv.URL, Model: "fake"})
	require.NoError(t, err)
	got, err := client.Generate(context.Background(), req)
	require.NoError(t, err)
	assert.Equal(t, want.Content, got.Content)
	assert.Equal(t, int64(1), srv.Calls())
	assert.Equal(t, int64(1), srv.MaxInFlight())
	assert.False(t, srv.FirstCall().Equal(time.Unix(0, 0)))
	srv.ResetFirstCall()
	assert.True(t, srv.FirstCall().Equal(time.Unix(0, 0)))

	resp, err := http.Get(srv.URL + "/chat/completions")
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "only POST is a chat completion")
	assert.Equal(t, int64(1), srv.Calls())
}
