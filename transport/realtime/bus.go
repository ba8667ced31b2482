// Package realtime holds kpbot's real-time adapters: the events.Bus
// adapters that wake live subscribers on one instance (LocalBus) or on
// every instance (PostgresBus with LISTEN/NOTIFY, RedisBus with pub/sub).
//
// Every adapter carries only a Notice's topic and seq ("<topic>:<seq>", a
// few hundred bytes at most, far under NOTIFY's 8000-byte limit); the
// subscriber reads the event itself from the events.Log, so an event of
// any size crosses instances. A Notice is a hint and the Log is the truth:
// subscribers keep the last seq they have read per topic and, on a Notice,
// read the Log after it.
//
// Each subscription has a bounded buffer. Publish never waits for a
// subscriber: when a subscriber's buffer is full its Notice is dropped and
// a Notice{Lagged: true} is queued in the slot kept free for it, so the
// subscriber learns to re-read every topic it follows. The cross-instance
// adapters also queue Lagged for every subscriber after reconnecting, since
// notices sent while they were disconnected are lost.
//
// # The WebSocket hub
//
// Hub serves GET /api/ws (docs/contract.md, "Real time"). Messages are JSON
// text frames.
//
// Authentication: an Authorization: Bearer header on the upgrade (an
// invalid token is a 401 problem, one over MaxSocketsPerUser a 429), or,
// for browsers, {"type":"auth","token":"<jwt>"} as the first message
// within AuthTimeout (5 s), answered with
// {"type":"authenticated","user_id":...,"expires_at":...}; anything else
// closes with 4401. Browser origins must be the server's own host or on
// the CORS allowlist (403 otherwise). Every AuthCheckInterval (3 s) the
// hub checks each distinct token again against the auth service, whose
// session lookup hits the shared database, so a token that expires or a
// session revoked on any instance closes its sockets with 4401. A client
// may send a fresh token of the same user as another auth message at any
// time to keep its socket past the first token's expiry.
//
// Subscribing: {"type":"subscribe","topics":["user","campaign:<id>",
// "run:<id>"],"since":<seq>?}. Each topic is answered, in order, with
// {"type":"subscribed","topic":...,"seq":<the topic's last seq now>} (an
// addition to the contract) or {"type":"error","code":"forbidden"|
// "bad_request"|"too_many_topics"|"internal","topic":...,"message":...};
// the others stay subscribed. "user" is the caller's own user topic and is
// always shown as "user". Subscribing to a followed topic again restarts
// it from the new since. {"type":"unsubscribe","topics":[...]} is
// answered with {"type":"unsubscribed","topic":...}; {"type":"ping"} with
// {"type":"pong"} for clients that cannot send ping frames.
//
// Events: {"type":"event","topic":...,"seq":...,"event":...,"data":...,
// "at":...}. Without since a subscription starts after the topic's last
// event; with since every stored event after since is replayed first (in
// pages, never filling the send queue beyond half), then live events
// follow with no gap and no duplicate: each (socket, topic) keeps the last
// seq queued, the replay reads the Log until it has caught up with the
// hub's own read position for the topic, and only then do the hub's
// readers start queuing to it, skipping any seq at or below its cursor.
//
// Fan-out: one Bus subscription per hub. A Notice above the hub's read
// position of a followed topic marks the topic dirty; a few reader
// goroutines read dirty topics from the Log once (not once per socket),
// encode each event once and queue the same bytes to every live follower.
// Lagged marks every followed topic dirty.
//
// Back-pressure and limits: each socket has a bounded send queue
// (SendQueue) written by a goroutine that exists only while there is
// something to write, so an idle socket costs one reader goroutine and
// its buffers. A socket whose queue is full is closed with 4008 ("too
// slow"; reconnect and resubscribe with since) and never delays the
// publisher or the others; if even the close frame cannot be written
// within a few seconds, the connection is cut (1006 at the client). Other
// limits: MaxMessageBytes per client message (1009 beyond),
// MaxTopicsPerSocket, MaxSocketsPerUser. Sockets are pinged every
// PingInterval. Hub.Close sends 1001 (going away) to every socket.
// Metrics on the server's registry: kpbot_ws_connections,
// kpbot_ws_slow_clients_dropped_total, kpbot_ws_auth_closed_total,
// kpbot_ws_events_sent_total.
package realtime

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

// BusOption configures a Bus adapter.
type BusOption func(*busOptions)

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
func WithBuffer(n int) BusOption { return func(o *busOptions) { o.buffer = max(n, 2) } }

// WithLogger sets where a cross-instance adapter reports lost connections
// and malformed payloads (default: discarded).
func WithLogger(l *slog.Logger) BusOption { return func(o *busOptions) { o.log = l } }

// WithReporter sets where a cross-instance adapter reports the failures
// of its listening connection (default: report.NewLog over WithLogger's
// logger).
func WithReporter(r report.Reporter) BusOption { return func(o *busOptions) { o.rep = r } }

// WithHealthCheck sets how long a cross-instance adapter's listening
// connection may stay silent before it is pinged, so a dead connection is
// noticed and replaced (default DefaultHealthCheck).
func WithHealthCheck(d time.Duration) BusOption {
	return func(o *busOptions) {
		if d > 0 {
			o.health = d
		}
	}
}

// WithReconnectBackoff sets the first and the longest wait between a
// cross-instance adapter's reconnection attempts; the wait doubles from
// min to max (defaults DefaultMinReconnect, DefaultMaxReconnect).
func WithReconnectBackoff(minWait, maxWait time.Duration) BusOption {
	return func(o *busOptions) {
		if minWait > 0 {
			o.minReconnect = minWait
		}
		if maxWait >= o.minReconnect {
			o.maxReconnect = maxWait
		}
	}
}

func newBusOptions(opts []BusOption) busOptions {
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
