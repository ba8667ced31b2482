// Package sentryreport is the report.Reporter adapter for Sentry and
// Sentry-compatible services (a self-hosted Sentry, GlitchTip): events go
// to the DSN's project as error events whose id is the report's error id.
package sentryreport

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/getsentry/sentry-go"

	"github.com/kpbot/kpbot/report"
)

// Config says where events go and how they are labelled.
type Config struct {
	// DSN is the project's DSN (required).
	DSN string
	// Environment labels events, e.g. "production"; empty: none.
	Environment string
	// Release labels events; empty: report.Release() (build info).
	Release string
	// ServerName labels events with the instance; empty: the host name.
	ServerName string
}

// Reporter sends events to Sentry.
type Reporter struct {
	client *sentry.Client
}

var (
	_ report.Reporter = (*Reporter)(nil)
	_ report.Flusher  = (*Reporter)(nil)
)

// New returns a Reporter for cfg.DSN.
func New(cfg Config) (*Reporter, error) {
	if cfg.DSN == "" {
		return nil, errors.New("sentryreport: DSN is required")
	}
	if cfg.Release == "" {
		cfg.Release = report.Release()
	}
	c, err := sentry.NewClient(sentry.ClientOptions{
		Dsn:            cfg.DSN,
		Environment:    cfg.Environment,
		Release:        cfg.Release,
		ServerName:     cfg.ServerName,
		SendDefaultPII: false,
		// No default integrations: they would add the process's
		// environment and modules to every event.
		Integrations: func([]sentry.Integration) []sentry.Integration { return nil },
	})
	if err != nil {
		return nil, fmt.Errorf("sentryreport: %w", err)
	}
	return &Reporter{client: c}, nil
}

// Report queues ev as one error event.
func (r *Reporter) Report(_ context.Context, ev report.Event) {
	r.client.CaptureEvent(toSentry(ev), nil, nil)
}

// Flush waits until queued events are sent or ctx ends (at most 5 s
// without a deadline).
func (r *Reporter) Flush(ctx context.Context) error {
	timeout := 5 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		timeout = time.Until(dl)
	}
	if !r.client.Flush(timeout) {
		return errors.New("sentryreport: flush timed out; some events may be lost")
	}
	return nil
}

// Close flushes for at most timeout and releases the transport.
func (r *Reporter) Close(timeout time.Duration) {
	r.client.Flush(timeout)
	r.client.Close()
}

func toSentry(ev report.Event) *sentry.Event {
	e := sentry.NewEvent()
	e.Level = sentry.LevelError
	e.Message = ev.Message
	if ev.ErrorID != "" {
		e.EventID = sentry.EventID(ev.ErrorID)
	}
	e.Transaction = ev.Route
	e.Fingerprint = []string{ev.Message, ev.Route, ev.ErrText()}
	e.Tags = map[string]string{}
	setTag(e.Tags, "error_id", ev.ErrorID)
	setTag(e.Tags, "request_id", ev.RequestID)
	setTag(e.Tags, "route", ev.Route)
	setTag(e.Tags, "run_id", ev.RunID)
	setTag(e.Tags, "trace_id", ev.TraceID)
	if ev.UserID != "" {
		e.User = sentry.User{ID: ev.UserID} // the id only: no e-mail, no IP
	}
	if text := ev.ErrText(); text != "" {
		ex := sentry.Exception{Type: errType(ev), Value: text}
		if len(ev.Stack) > 0 {
			ex.Stacktrace = sentry.NewStacktrace()
		}
		if ev.Panic != nil {
			handled := false
			ex.Mechanism = &sentry.Mechanism{Type: "panic", Handled: &handled}
		}
		e.Exception = []sentry.Exception{ex}
	}
	extra := map[string]any{}
	if ev.Repeats > 0 {
		extra["repeats"] = ev.Repeats
	}
	if ev.Site != "" {
		extra["site"] = ev.Site
	}
	if len(ev.Stack) > 0 {
		extra["stack"] = string(ev.Stack)
	}
	if len(extra) > 0 {
		e.Contexts = map[string]sentry.Context{"kpbot": extra}
	}
	return e
}

func setTag(tags map[string]string, k, v string) {
	if v != "" {
		tags[k] = v
	}
}

// errType is the issue title: the message, or the innermost error's Go
// type when the message is empty.
func errType(ev report.Event) string {
	if ev.Message != "" {
		return ev.Message
	}
	if ev.Err != nil {
		inner := ev.Err
		for u := errors.Unwrap(inner); u != nil; u = errors.Unwrap(inner) {
			inner = u
		}
		return reflect.TypeOf(inner).String()
	}
	return "panic"
}
