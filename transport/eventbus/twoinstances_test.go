package eventbus_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/transport/eventbus/bustest"
)

// follower is how a live reader uses a Log and a Bus: subscribe first,
// then read each followed topic after its last seen seq whenever a Notice
// (or a Lagged one) says there is more.
type follower struct {
	log  events.Log
	last map[string]int64
	got  map[string][]events.Event
}

func (f *follower) catchUp(t *testing.T, topic string) {
	for {
		evs, err := f.log.After(context.Background(), topic, f.last[topic], 50)
		require.NoError(t, err)
		if len(evs) == 0 {
			return
		}
		f.got[topic] = append(f.got[topic], evs...)
		f.last[topic] = evs[len(evs)-1].Seq
	}
}

// TestTwoInstancesOnePostgres: instance A publishes (log + bus) from
// several goroutines; instance B, on its own pool, follows the topics
// through its own Bus and Log and sees every event of each topic exactly
// once, in seq order, with the data A stored, including one far larger
// than NOTIFY's 8000-byte payload limit.
func TestTwoInstancesOnePostgres(t *testing.T) {
	t.Parallel()
	dbs := bustest.OpenPostgres(t, 2)
	require.NoError(t, bunstore.Migrate(context.Background(), dbs[0].Bun))
	channel := bustest.PostgresChannel()
	pubA, err := events.NewPublisher(bunstore.NewEvents(dbs[0].Bun), bustest.PostgresBus(t, dbs[0], channel))
	require.NoError(t, err)
	busB := bustest.PostgresBus(t, dbs[1], channel)
	b := &follower{log: bunstore.NewEvents(dbs[1].Bun), last: map[string]int64{}, got: map[string][]events.Event{}}

	run, campaign := events.RunTopic(uuid.NewString()), events.CampaignTopic(uuid.NewString())
	followed := map[string]bool{run: true, campaign: true}
	notices, err := busB.Subscribe(t.Context())
	require.NoError(t, err)

	const writers, each = 3, 40
	const total = writers * each
	big := strings.Repeat("x", 20000)
	stored := make(chan events.Event, 2*total)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				data := map[string]any{"writer": w, "i": i}
				if w == 0 && i == each/2 {
					data["big"] = big
				}
				evs, err := pubA.Publish(context.Background(), events.RunProgress, data, run, campaign)
				if !assert.NoError(t, err) {
					return
				}
				for _, ev := range evs {
					stored <- ev
				}
			}
		})
	}

	deadline := time.After(30 * time.Second)
	for b.last[run] < total || b.last[campaign] < total {
		select {
		case n, ok := <-notices:
			require.True(t, ok, "B's subscription ended")
			switch {
			case n.Lagged:
				b.catchUp(t, run)
				b.catchUp(t, campaign)
			case followed[n.Topic] && n.Seq > b.last[n.Topic]:
				b.catchUp(t, n.Topic)
			}
		case <-deadline:
			require.FailNow(t, "B did not see every event", "run at %d, campaign at %d of %d", b.last[run], b.last[campaign], total)
		}
	}
	wg.Wait()
	close(stored)

	byKey := make(map[string]events.Event)
	for ev := range stored {
		byKey[fmt.Sprintf("%s#%d", ev.Topic, ev.Seq)] = ev
	}
	require.Len(t, byKey, 2*total)
	for _, topic := range []string{run, campaign} {
		got := b.got[topic]
		require.Len(t, got, total, "topic %s: every event exactly once", topic)
		sawBig := false
		for i, ev := range got {
			require.EqualValues(t, i+1, ev.Seq, "topic %s in seq order with no holes", topic)
			want := byKey[fmt.Sprintf("%s#%d", topic, ev.Seq)]
			assert.JSONEq(t, string(want.Data), string(ev.Data), "B reads what A stored")
			assert.True(t, want.At.Equal(ev.At))
			sawBig = sawBig || strings.Contains(string(ev.Data), big)
		}
		assert.True(t, sawBig, "the 20 KB event crossed instances on %s", topic)
	}
}
