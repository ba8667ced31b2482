package eventbus_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/transport/eventbus"
	"github.com/kpbot/kpbot/transport/eventbus/bustest"
)

func TestLocalBusConformance(t *testing.T) {
	t.Parallel()
	bustest.TestBus(t, func(*testing.T) (events.Bus, events.Bus) {
		b := eventbus.NewLocal()
		return b, b
	})
}

// TestLocalBusLagKeepsLastSlot fills a small buffer and checks the exact
// queue: plain notices up to the last slot, then one Lagged notice, then
// nothing more until the subscriber reads.
func TestLocalBusLagKeepsLastSlot(t *testing.T) {
	t.Parallel()
	b := eventbus.NewLocal(eventbus.WithBuffer(4))
	t.Cleanup(func() { _ = b.Close() })
	ch, err := b.Subscribe(t.Context())
	require.NoError(t, err)
	for s := int64(1); s <= 10; s++ {
		require.NoError(t, b.Publish(context.Background(), "run:r", s))
	}
	require.Len(t, ch, 4)
	want := []events.Notice{{Topic: "run:r", Seq: 1}, {Topic: "run:r", Seq: 2}, {Topic: "run:r", Seq: 3}, {Lagged: true}}
	for i, w := range want {
		assert.Equal(t, w, <-ch, "queue slot %d", i)
	}
	// Room again: the next Notice is queued normally.
	require.NoError(t, b.Publish(context.Background(), "run:r", 11))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 11}, <-ch)
	assert.Empty(t, ch)
}

// TestLocalBusLagAfterPartialDrain: a drop after the subscriber has read
// its Lagged notice queues a new one.
func TestLocalBusLagAfterPartialDrain(t *testing.T) {
	t.Parallel()
	b := eventbus.NewLocal(eventbus.WithBuffer(3))
	t.Cleanup(func() { _ = b.Close() })
	ch, err := b.Subscribe(t.Context())
	require.NoError(t, err)
	for s := int64(1); s <= 4; s++ {
		require.NoError(t, b.Publish(context.Background(), "run:r", s))
	}
	got := []events.Notice{<-ch, <-ch, <-ch}
	assert.Equal(t, []events.Notice{{Topic: "run:r", Seq: 1}, {Topic: "run:r", Seq: 2}, {Lagged: true}}, got)
	for s := int64(5); s <= 9; s++ {
		require.NoError(t, b.Publish(context.Background(), "run:r", s))
	}
	got = []events.Notice{<-ch, <-ch, <-ch}
	assert.Equal(t, []events.Notice{{Topic: "run:r", Seq: 5}, {Topic: "run:r", Seq: 6}, {Lagged: true}}, got)
	assert.Empty(t, ch)
}

func TestLocalBusMinimumBuffer(t *testing.T) {
	t.Parallel()
	b := eventbus.NewLocal(eventbus.WithBuffer(0))
	t.Cleanup(func() { _ = b.Close() })
	ch, err := b.Subscribe(t.Context())
	require.NoError(t, err)
	require.NoError(t, b.Publish(context.Background(), "run:r", 1))
	require.NoError(t, b.Publish(context.Background(), "run:r", 2))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 1}, <-ch)
	assert.Equal(t, events.Notice{Lagged: true}, <-ch, "a buffer of at least 2 keeps one slot for Lagged")
}
