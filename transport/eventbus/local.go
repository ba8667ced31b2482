package eventbus

import (
	"context"
	"fmt"

	"github.com/kpbot/kpbot/events"
)

// Local is the in-process events.Bus of a single instance: Publish
// hands the Notice straight to every subscription's buffer.
type Local struct {
	f *fanout
}

var _ events.Bus = (*Local)(nil)

// NewLocal returns an in-process Bus. Of the options only WithBuffer
// applies.
func NewLocal(opts ...Option) *Local {
	o := newBusOptions(opts)
	return &Local{f: newFanout(o.buffer)}
}

// Publish delivers the Notice to every subscription without blocking.
func (b *Local) Publish(ctx context.Context, topic string, seq int64) error {
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
func (b *Local) Subscribe(ctx context.Context) (<-chan events.Notice, error) {
	ch, err := b.f.subscribe(ctx)
	if err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	return ch, nil
}

// Close ends every subscription; it is idempotent.
func (b *Local) Close() error {
	b.f.close()
	return nil
}
