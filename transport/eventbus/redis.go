package eventbus

import (
	"context"
	"errors"
	"fmt"
	"net"

	"github.com/redis/go-redis/v9"

	"github.com/kpbot/kpbot/events"
)

// Redis is the events.Bus of many instances sharing a Redis server (or
// cluster), over pub/sub on one channel.
//
// Publish runs PUBLISH channel '<topic>:<seq>'. The first Subscribe starts
// one goroutine holding a SUBSCRIBE connection (go-redis's PubSub, which
// reconnects and resubscribes by itself); it pings an idle connection
// every health-check interval, backs off after errors, and queues
// Notice{Lagged: true} for every subscription after each resubscription,
// since messages published meanwhile are lost.
type Redis struct {
	client  redis.UniversalClient
	channel string
	o       busOptions
	f       *fanout
	ps      *redis.PubSub // set when the listener starts
	listenerLife
}

var _ events.Bus = (*Redis)(nil)

// NewRedis returns a Bus on the pub/sub channel channel of client's
// server. Every instance that should see each other's Notices uses the
// same channel. The client stays the caller's to close, after the Bus.
func NewRedis(client redis.UniversalClient, channel string, opts ...Option) (*Redis, error) {
	if client == nil {
		return nil, errors.New("redis bus: nil client")
	}
	if channel == "" {
		return nil, errors.New("redis bus: empty channel")
	}
	o := newBusOptions(opts)
	b := &Redis{client: client, channel: channel, o: o, f: newFanout(o.buffer)}
	b.init()
	return b, nil
}

// Publish sends the Notice with PUBLISH; it never waits for subscribers.
func (b *Redis) Publish(ctx context.Context, topic string, seq int64) error {
	if err := checkNotice(topic, seq); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if b.f.isClosed() {
		return fmt.Errorf("publish %s #%d: %w", topic, seq, events.ErrBusClosed)
	}
	if err := b.client.Publish(ctx, b.channel, encodeNotice(topic, seq)).Err(); err != nil {
		return fmt.Errorf("publish %s #%d: redis PUBLISH: %w", topic, seq, err)
	}
	return nil
}

// Subscribe returns a channel of every Notice published on the Bus's
// channel, by any instance, from now until ctx is done or the Bus is
// closed. The first call starts listening and waits until Redis has
// confirmed the subscription (or ctx is done).
func (b *Redis) Subscribe(ctx context.Context) (<-chan events.Notice, error) {
	ch, err := b.f.subscribe(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	b.start(func() {
		b.ps = b.client.Subscribe(b.ctx, b.channel)
		go b.listen(b.ps)
	})
	if err := b.awaitReady(ctx, "SUBSCRIBE"); err != nil {
		return nil, err
	}
	return ch, nil
}

// Close unsubscribes, releases the pub/sub connection and ends every
// subscription; it is idempotent. It does not close the client.
func (b *Redis) Close() error {
	// go-redis does not watch the context while reading; closing the
	// PubSub ends the listener's pending read.
	b.stop(func() { _ = b.ps.Close() })
	b.f.close()
	return nil
}

// listen receives until Close. go-redis reconnects the PubSub on the next
// Receive after an error; this loop only paces retries and turns every
// resubscription into a Lagged notice.
func (b *Redis) listen(ps *redis.PubSub) {
	defer close(b.done)
	defer func() { _ = ps.Close() }()
	wait := b.o.minReconnect
	confirmed := false
	for {
		msg, err := ps.ReceiveTimeout(b.ctx, b.o.health)
		if b.ctx.Err() != nil {
			return
		}
		if err != nil {
			if isNetTimeout(err) {
				if err := ps.Ping(b.ctx); err != nil {
					b.o.failed(b.ctx, "redis bus: ping failed", b.channel, err)
				}
				continue
			}
			b.o.failed(b.ctx, "redis bus: receive failed; retrying", b.channel, err)
			if !sleepCtx(b.ctx, wait) {
				return
			}
			wait = min(2*wait, b.o.maxReconnect)
			continue
		}
		wait = b.o.minReconnect
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind != "subscribe" || m.Channel != b.channel {
				continue
			}
			if !confirmed {
				confirmed = true
				close(b.ready)
			} else {
				b.f.lagAll()
			}
		case *redis.Message:
			if m.Channel != b.channel {
				continue
			}
			notice, err := decodeNotice(m.Payload)
			if err != nil {
				b.o.failed(b.ctx, "redis bus: ignoring malformed message", b.channel, err)
				continue
			}
			b.f.deliver(notice)
		}
	}
}

// isNetTimeout reports whether err is a read timeout, which only means
// the connection was idle.
func isNetTimeout(err error) bool {
	ne, ok := errors.AsType[net.Error](err)
	return ok && ne.Timeout()
}
