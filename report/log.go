package report

import (
	"context"
	"fmt"
	"log/slog"
)

// Log reports events as error lines of a structured log.
type Log struct{ log *slog.Logger }

// NewLog returns a Reporter writing to l (slog.Default() when nil).
func NewLog(l *slog.Logger) *Log {
	if l == nil {
		l = slog.Default()
	}
	return &Log{log: l}
}

// Report writes one error line with the event's ids, error and stack.
func (l *Log) Report(ctx context.Context, ev Event) {
	attrs := make([]slog.Attr, 0, 10)
	attrs = appendNonEmpty(attrs, "error_id", ev.ErrorID)
	attrs = appendNonEmpty(attrs, "request_id", ev.RequestID)
	attrs = appendNonEmpty(attrs, "route", ev.Route)
	attrs = appendNonEmpty(attrs, "user_id", ev.UserID)
	attrs = appendNonEmpty(attrs, "run_id", ev.RunID)
	attrs = appendNonEmpty(attrs, "trace_id", ev.TraceID)
	if ev.Err != nil {
		attrs = append(attrs, slog.String("error", ev.Err.Error()))
	}
	if ev.Panic != nil {
		attrs = append(attrs, slog.String("panic", panicText(ev.Panic)))
	}
	attrs = appendNonEmpty(attrs, "site", ev.Site)
	if ev.Repeats > 0 {
		attrs = append(attrs, slog.Int("repeats", ev.Repeats))
	}
	if len(ev.Stack) > 0 {
		attrs = append(attrs, slog.String("stack", string(ev.Stack)))
	}
	l.log.LogAttrs(ctx, slog.LevelError, ev.Message, attrs...)
}

func appendNonEmpty(attrs []slog.Attr, key, v string) []slog.Attr {
	if v == "" {
		return attrs
	}
	return append(attrs, slog.String(key, v))
}

func panicText(v any) string {
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return fmt.Sprint(v)
}
