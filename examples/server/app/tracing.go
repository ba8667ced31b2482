package app

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"github.com/uptrace/bun/extra/bunotel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtrace"
)

// tracingEnabled reports whether getenv asks for OpenTelemetry tracing:
// an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not true.
func tracingEnabled(getenv func(string) string) bool {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// Tracing is the server's OpenTelemetry tracer provider. Provider is nil
// when tracing is off: nothing is wrapped and requests pay nothing.
type Tracing struct {
	Provider trace.TracerProvider
}

// ProvideTracing returns cfg.TracerProvider when set; else, when
// cfg.Tracing is on, a provider exporting over OTLP/HTTP (the exporter
// reads the standard OTEL_EXPORTER_OTLP_* variables, the SDK
// OTEL_TRACES_SAMPLER and OTEL_BSP_*) with service.name kpbot, unless
// OTEL_SERVICE_NAME or OTEL_RESOURCE_ATTRIBUTES say otherwise. Its
// cleanup flushes the queued spans, for at most five seconds.
func ProvideTracing(ctx context.Context, cfg Config, logger *slog.Logger) (*Tracing, func(), error) {
	if cfg.TracerProvider != nil {
		return &Tracing{Provider: cfg.TracerProvider}, func() {}, nil
	}
	if !cfg.Tracing {
		return &Tracing{}, func() {}, nil
	}
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("OTLP trace exporter: %w", err)
	}
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "kpbot")),
		resource.WithFromEnv(), // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES win
		resource.WithTelemetrySDK(),
		resource.WithHost(),
	)
	if err != nil {
		return nil, nil, fmt.Errorf("trace resource: %w", err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	cleanup := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(sctx); err != nil {
			logger.Error("flush traces", "err", err)
		}
	}
	logger.Info("tracing on: exporting spans over OTLP/HTTP")
	return &Tracing{Provider: tp}, cleanup, nil
}

// on reports whether spans are recorded.
func (t *Tracing) on() bool { return t != nil && t.Provider != nil }

// queryHook is bun's query hook making a span of each query.
func (t *Tracing) queryHook() *bunotel.QueryHook {
	return bunotel.NewQueryHook(bunotel.WithTracerProvider(t.Provider), bunotel.WithMeterProvider(metricnoop.NewMeterProvider()))
}

// riverMiddleware is River's middleware making spans of job inserts and
// work, the work span linked to the inserting request's trace; nil when
// tracing is off.
func (t *Tracing) riverMiddleware() []rivertype.Middleware {
	if !t.on() {
		return nil
	}
	return []rivertype.Middleware{otelriver.NewMiddleware(&otelriver.MiddlewareConfig{
		TracerProvider:         t.Provider,
		MeterProvider:          metricnoop.NewMeterProvider(),
		EnableTracePropagation: true,
	})}
}

// crew returns crew with a span around each task, when tracing is on.
func (t *Tracing) crew(crew agents.Crew) agents.Crew {
	if !t.on() {
		return crew
	}
	return crewtrace.New(t.Provider).Crew(crew)
}

// llm returns llm with a span around each call, when tracing is on.
func (t *Tracing) llm(llm agents.LLM) agents.LLM {
	if !t.on() {
		return llm
	}
	return crewtrace.New(t.Provider).LLM(llm)
}
