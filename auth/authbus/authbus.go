// Package authbus carries session revocations between kpbot instances over
// an events.Bus, so each instance's session cache (auth.Config.SessionCacheTTL)
// drops a revoked session within the bus's latency instead of the TTL.
package authbus

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
)

// topicPrefix marks revocation notices among the bus's other traffic;
// no client can subscribe to such a topic.
const topicPrefix = "revoked:"

// Revocations is auth.Revocations over an events.Bus. A lost or lagging
// notice makes Watch deliver "*", so caches forget everything rather than
// keep a revoked session.
type Revocations struct {
	bus events.Bus
}

var _ auth.Revocations = (*Revocations)(nil)

// New returns revocations carried by bus, which is required.
func New(bus events.Bus) (*Revocations, error) {
	if bus == nil {
		return nil, errors.New("authbus: nil events.Bus")
	}
	return &Revocations{bus: bus}, nil
}

// Announce publishes key ("session:<id>", "user:<id>") to every instance.
func (r *Revocations) Announce(ctx context.Context, key string) error {
	if err := r.bus.Publish(ctx, topicPrefix+key, 1); err != nil {
		return fmt.Errorf("announce revocation %s: %w", key, err)
	}
	return nil
}

// Watch delivers the keys announced by any instance until ctx ends.
func (r *Revocations) Watch(ctx context.Context) (<-chan string, error) {
	notices, err := r.bus.Subscribe(ctx)
	if err != nil {
		return nil, fmt.Errorf("watch revocations: %w", err)
	}
	out := make(chan string, 64)
	go func() {
		defer close(out)
		for n := range notices {
			var key string
			switch {
			case n.Lagged:
				key = "*"
			case strings.HasPrefix(n.Topic, topicPrefix):
				key = strings.TrimPrefix(n.Topic, topicPrefix)
			default:
				continue
			}
			select {
			case out <- key:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}
