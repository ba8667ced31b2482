package eventbus

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/report"
)

// Defaults of the Bus options.
const (
	DefaultBuffer       = 1024
	DefaultHealthCheck  = 30 * time.Second
	DefaultMinReconnect = 100 * time.Millisecond
	DefaultMaxReconnect = 10 * time.Second
)

// Option configures a Bus adapter.
type Option func(*busOptions)

type busOptions struct {
	buffer       int
	log          *slog.Logger
	rep          report.Reporter
	health       time.Duration
	minReconnect time.Duration
	maxReconnect time.Duration
}

// WithBuffer sets how many Notices each subscription holds before it
// lags (default DefaultBuffer, at least 2: one slot is kept for Lagged).
func WithBuffer(n int) Option { return func(o *busOptions) { o.buffer = max(n, 2) } }

// WithLogger sets where a cross-instance adapter reports lost connections
// and malformed payloads (default: discarded).
func WithLogger(l *slog.Logger) Option { return func(o *busOptions) { o.log = l } }

// WithReporter sets where a cross-instance adapter reports the failures
// of its listening connection (default: report.NewLog over WithLogger's
// logger).
func WithReporter(r report.Reporter) Option { return func(o *busOptions) { o.rep = r } }

// WithHealthCheck sets how long a cross-instance adapter's listening
// connection may stay silent before it is pinged, so a dead connection is
// noticed and replaced (default DefaultHealthCheck).
func WithHealthCheck(d time.Duration) Option {
	return func(o *busOptions) {
		if d > 0 {
			o.health = d
		}
	}
}

// WithReconnectBackoff sets the first and the longest wait between a
// cross-instance adapter's reconnection attempts; the wait doubles from
// min to max (defaults DefaultMinReconnect, DefaultMaxReconnect).
func WithReconnectBackoff(minWait, maxWait time.Duration) Option {
	return func(o *busOptions) {
		if minWait > 0 {
			o.minReconnect = minWait
		}
		if maxWait >= o.minReconnect {
			o.maxReconnect = maxWait
		}
	}
}

func newBusOptions(opts []Option) busOptions {
	o := busOptions{
		buffer:       DefaultBuffer,
		log:          slog.New(slog.DiscardHandler),
		health:       DefaultHealthCheck,
		minReconnect: DefaultMinReconnect,
		maxReconnect: DefaultMaxReconnect,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.rep == nil {
		o.rep = report.NewLog(o.log)
	}
	return o
}

// failed reports a failure of a cross-instance adapter's listening side.
func (o *busOptions) failed(ctx context.Context, msg, channel string, err error) {
	o.rep.Report(ctx, report.Event{Message: msg, Route: "bus:" + channel, Err: err, ErrorID: report.NewID()})
}

// checkNotice validates Publish's arguments.
func checkNotice(topic string, seq int64) error {
	if err := events.CheckTopic(topic); err != nil {
		return err
	}
	if seq < 1 {
		return fmt.Errorf("%w: seq %d of %s is not positive", events.ErrInvalidEvent, seq, topic)
	}
	return nil
}

// encodeNotice is the wire payload of a Notice: "<topic>:<seq>".
func encodeNotice(topic string, seq int64) string {
	return topic + ":" + strconv.FormatInt(seq, 10)
}

// decodeNotice parses "<topic>:<seq>"; topics may contain colons, the seq
// is after the last one.
func decodeNotice(payload string) (events.Notice, error) {
	i := strings.LastIndexByte(payload, ':')
	if i < 0 {
		return events.Notice{}, fmt.Errorf("notice payload %q has no seq", payload)
	}
	seq, err := strconv.ParseInt(payload[i+1:], 10, 64)
	if err != nil {
		return events.Notice{}, fmt.Errorf("notice payload %q: bad seq: %w", payload, err)
	}
	if err := checkNotice(payload[:i], seq); err != nil {
		return events.Notice{}, fmt.Errorf("notice payload %q: %w", payload, err)
	}
	return events.Notice{Topic: payload[:i], Seq: seq}, nil
}
