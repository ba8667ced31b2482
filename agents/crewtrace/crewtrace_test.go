package crewtrace_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/crewtrace"
)

// okLLM answers every call with fixed usage.
type okLLM struct{}

func (okLLM) Generate(context.Context, agents.GenerateRequest) (agents.GenerateResponse, error) {
	return agents.GenerateResponse{Content: "hi", Model: "m-1", Usage: agents.Usage{PromptTokens: 7, CompletionTokens: 3, CostUSD: 0.5}}, nil
}

func attrs(s tracetest.SpanStub) map[string]any {
	out := map[string]any{}
	for _, kv := range s.Attributes {
		out[string(kv.Key)] = kv.Value.AsInterface()
	}
	return out
}

func byName(t *testing.T, spans tracetest.SpanStubs, name string) tracetest.SpanStub {
	t.Helper()
	for _, s := range spans {
		if s.Name == name {
			return s
		}
	}
	require.Failf(t, "no span", "%q among %d spans", name, len(spans))
	return tracetest.SpanStub{}
}

func TestTasksAndModelCallsAreSpans(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	tr := crewtrace.New(tp)
	llm := tr.LLM(okLLM{})
	failing := tr.LLM(crewtest.FailingLLM{Err: agents.ErrBudgetExceeded})
	crew := tr.Crew(agents.Crew{Name: "c", Tasks: []agents.Task{
		{Name: "draft", Run: func(ctx context.Context, _ *agents.TaskContext) error {
			_, err := llm.Generate(ctx, agents.GenerateRequest{Model: "m", Purpose: agents.PurposeComment, CampaignID: "c1"})
			return err
		}},
		{Name: "broken", Run: func(ctx context.Context, _ *agents.TaskContext) error {
			_, err := failing.Generate(ctx, agents.GenerateRequest{})
			return err
		}},
	}})
	require.NoError(t, crew.Tasks[0].Run(t.Context(), &agents.TaskContext{RunID: "r1"}))
	err := crew.Tasks[1].Run(t.Context(), &agents.TaskContext{RunID: "r1", Resumed: true})
	require.ErrorIs(t, err, agents.ErrBudgetExceeded, "the error passes through unchanged")

	spans := exp.GetSpans()
	require.Len(t, spans, 4)
	draft := byName(t, spans, "crew.task draft")
	assert.Equal(t, map[string]any{"kpbot.task": "draft", "kpbot.run_id": "r1", "kpbot.resumed": false}, attrs(draft))
	assert.Equal(t, codes.Unset, draft.Status.Code)

	call := byName(t, spans, "chat m")
	assert.Equal(t, trace.SpanKindClient, call.SpanKind)
	assert.Equal(t, draft.SpanContext.SpanID(), call.Parent.SpanID(), "the model call is a child of its task")
	a := attrs(call)
	assert.Equal(t, int64(7), a["gen_ai.usage.input_tokens"])
	assert.Equal(t, int64(3), a["gen_ai.usage.output_tokens"])
	assert.Equal(t, "m-1", a["gen_ai.response.model"])
	assert.Equal(t, "m", a["gen_ai.request.model"])
	assert.Equal(t, "c1", a["kpbot.campaign_id"])
	assert.Equal(t, agents.PurposeComment, a["kpbot.llm.purpose"])
	assert.InDelta(t, 0.5, a["kpbot.llm.cost_usd"], 1e-9)

	broken := byName(t, spans, "crew.task broken")
	assert.Equal(t, codes.Error, broken.Status.Code)
	assert.Equal(t, true, attrs(broken)["kpbot.resumed"])
	failed := byName(t, spans, "chat")
	assert.Equal(t, codes.Error, failed.Status.Code)
	assert.NotContains(t, attrs(failed), "gen_ai.usage.input_tokens", "no usage for a failed call")
	require.Len(t, failed.Events, 1, "the error is recorded")
	assert.Equal(t, broken.SpanContext.SpanID(), failed.Parent.SpanID())
}

func TestTaskErrorIsTheSpanStatus(t *testing.T) {
	t.Parallel()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	boom := errors.New("boom")
	crew := crewtrace.New(tp).Crew(agents.Crew{Tasks: []agents.Task{{Name: "x", Run: func(context.Context, *agents.TaskContext) error { return boom }}}})
	require.ErrorIs(t, crew.Tasks[0].Run(t.Context(), &agents.TaskContext{}), boom)
	require.Len(t, exp.GetSpans(), 1)
	assert.Equal(t, "boom", exp.GetSpans()[0].Status.Description)
}
