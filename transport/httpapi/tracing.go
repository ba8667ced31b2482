package httpapi

import (
	"context"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// newTracedHandler wraps serve in otelhttp's server span. The span is
// named by the method until routing renames it to "METHOD pattern" (see
// nameSpan); a request no route matches keeps the method alone, so span
// names stay a bounded set.
func newTracedHandler(tp trace.TracerProvider, serve http.HandlerFunc) http.Handler {
	return otelhttp.NewHandler(serve, "http request",
		otelhttp.WithTracerProvider(tp),
		otelhttp.WithPropagators(propagation.TraceContext{}),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return methodLabel(r.Method) }),
	)
}

// nameSpan names the request's span by its method and matched route
// pattern, and records the pattern as http.route.
func nameSpan(ctx context.Context, method, route string) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	span.SetName(methodLabel(method) + " " + route)
	span.SetAttributes(attribute.String("http.route", route))
}

// traceID returns the id of the trace ctx's span belongs to, or "".
func traceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.HasTraceID() {
		return ""
	}
	return sc.TraceID().String()
}
