// Package crewtrace traces the agent crew with OpenTelemetry: a span
// around each task execution and each model call, the latter carrying
// the tokens it consumed. It wraps the crew and the model the way
// agents/crewmetrics does, so the agents package itself knows nothing of
// tracing.
package crewtrace

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/kpbot/kpbot/agents"
)

// ScopeName is the instrumentation scope of the crew's spans.
const ScopeName = "github.com/kpbot/kpbot/agents/crewtrace"

// Span attribute keys. Token counts use OpenTelemetry's GenAI semantic
// conventions; the rest are kpbot's own.
const (
	AttrRunID        = attribute.Key("kpbot.run_id")
	AttrTask         = attribute.Key("kpbot.task")
	AttrResumed      = attribute.Key("kpbot.resumed")
	AttrCampaignID   = attribute.Key("kpbot.campaign_id")
	AttrPurpose      = attribute.Key("kpbot.llm.purpose")
	AttrCostUSD      = attribute.Key("kpbot.llm.cost_usd")
	AttrOperation    = attribute.Key("gen_ai.operation.name")
	AttrRequestModel = attribute.Key("gen_ai.request.model")
	AttrModel        = attribute.Key("gen_ai.response.model")
	AttrInputTokens  = attribute.Key("gen_ai.usage.input_tokens")
	AttrOutputTokens = attribute.Key("gen_ai.usage.output_tokens")
)

// Tracer starts the crew's spans.
type Tracer struct {
	t trace.Tracer
}

// New returns a Tracer whose spans go to tp.
func New(tp trace.TracerProvider) *Tracer {
	return &Tracer{t: tp.Tracer(ScopeName)}
}

// Crew returns crew with every task's Run inside a span named
// "crew.task <task>" carrying the run id; a task's error is recorded
// on its span.
func (t *Tracer) Crew(crew agents.Crew) agents.Crew {
	tasks := make([]agents.Task, len(crew.Tasks))
	for i, task := range crew.Tasks {
		run, name := task.Run, task.Name
		spanName := "crew.task " + name
		task.Run = func(ctx context.Context, tc *agents.TaskContext) error {
			ctx, span := t.t.Start(ctx, spanName, trace.WithAttributes(
				AttrTask.String(name), AttrRunID.String(tc.RunID), AttrResumed.Bool(tc.Resumed)))
			defer span.End()
			err := run(ctx, tc)
			fail(span, err)
			return err
		}
		tasks[i] = task
	}
	crew.Tasks = tasks
	return crew
}

// LLM returns llm with every call inside a client span named
// "chat <model>" (or "chat" when the request names none) carrying the
// model, purpose, campaign and the tokens the call consumed.
func (t *Tracer) LLM(llm agents.LLM) agents.LLM { return &tracedLLM{next: llm, t: t.t} }

type tracedLLM struct {
	next agents.LLM
	t    trace.Tracer
}

// Generate calls the wrapped model inside a span.
func (l *tracedLLM) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	name := "chat"
	if req.Model != "" {
		name += " " + req.Model
	}
	ctx, span := l.t.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
		AttrOperation.String("chat"), AttrPurpose.String(req.Purpose), AttrCampaignID.String(req.CampaignID)))
	defer span.End()
	if req.Model != "" {
		span.SetAttributes(AttrRequestModel.String(req.Model))
	}
	resp, err := l.next.Generate(ctx, req)
	if err != nil {
		fail(span, err)
		return resp, err
	}
	span.SetAttributes(
		AttrModel.String(resp.Model),
		AttrInputTokens.Int(resp.Usage.PromptTokens),
		AttrOutputTokens.Int(resp.Usage.CompletionTokens),
		AttrCostUSD.Float64(resp.Usage.CostUSD),
	)
	return resp, nil
}

// fail marks span failed with err, when there is one.
func fail(span trace.Span, err error) {
	if err == nil {
		return
	}
	span.RecordError(err)
	span.SetStatus(codes.Error, err.Error())
}
