package realtime

import (
	"context"
	"fmt"

	"github.com/kpbot/kpbot/events"
)

// LocalBus is the in-process events.Bus of a single instance: Publish
// hands the Notice straight to every subscription's buffer.
type LocalBus struct {
	f *fanout
}

var _ events.Bus = (*LocalBus)(nil)

// NewLocalBus returns an in-process Bus. Of the options only WithBuffer
// applies.
func NewLocalBus(opts ...BusOption) *LocalBus {
	o := newBusOptions(opts)
	return &LocalBus{f: newFanout(o.buffer)}
}

// Publish delivers the Notice to every subscription without blocking.
func (b *LocalBus) Publish(ctx context.Context, topic string, seq int64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("publish %s #%d: %w", topic, seq, err)
	}
	if err := checkNotice(topic, seq); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	if !b.f.deliver(events.Notice{Topic: topic, Seq: seq}) {
		return fmt.Errorf("publish %s #%d: %w", topic, seq, events.ErrBusClosed)
	}
	return nil
}

// Subscribe returns a channel of every Notice published from now until
// ctx is done or the Bus is closed.
func (b *LocalBus) Subscribe(ctx context.Context) (<-chan events.Notice, error) {
	ch, err := b.f.subscribe(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return ch, nil
}

// Close ends every subscription; it is idempotent.
func (b *LocalBus) Close() error {
	b.f.close()
	return nil
}
