package outreach_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/eventbus"
)

func TestRunEventPublisherWritesRunAndCampaignTopics(t *testing.T) {
	ctx := t.Context()
	log := bunstore.NewEvents(dbtest.SQLite(t))
	bus := eventbus.NewLocal()
	t.Cleanup(func() { _ = bus.Close() })
	notices, err := bus.Subscribe(ctx)
	require.NoError(t, err)
	_, err = outreach.NewRunEventPublisher(nil)
	require.Error(t, err, "the publisher is required")
	pub, err := events.NewPublisher(log, bus)
	require.NoError(t, err)
	sink, err := outreach.NewRunEventPublisher(pub)
	require.NoError(t, err)

	require.NoError(t, sink.Emit(ctx, "r1", "c1", agents.EventRunStarted, agents.RunEventData{}))
	require.NoError(t, sink.Emit(ctx, "r1", "c1", agents.EventRunProgress, agents.ProgressData{}))
	require.NoError(t, sink.Emit(ctx, "r2", "c1", agents.EventRunStarted, agents.RunEventData{}))

	runEvents, err := log.After(ctx, events.RunTopic("r1"), 0, 0)
	require.NoError(t, err)
	require.Len(t, runEvents, 2)
	assert.Equal(t, []int64{1, 2}, []int64{runEvents[0].Seq, runEvents[1].Seq})
	assert.Equal(t, agents.EventRunStarted, runEvents[0].Name)
	assert.True(t, json.Valid(runEvents[1].Data))

	campaignEvents, err := log.After(ctx, events.CampaignTopic("c1"), 0, 0)
	require.NoError(t, err)
	assert.Len(t, campaignEvents, 3, "the campaign topic has both runs' events, with its own seq")
	assert.Equal(t, int64(3), campaignEvents[2].Seq)

	// One notice per stored copy: (topic, seq) of all six.
	want := map[string]bool{
		"run:r1#1": true, "run:r1#2": true, "run:r2#1": true,
		"campaign:c1#1": true, "campaign:c1#2": true, "campaign:c1#3": true,
	}
	got := map[string]bool{}
	timeout := time.After(5 * time.Second)
	for len(got) < len(want) {
		select {
		case n := <-notices:
			got[fmt.Sprintf("%s#%d", n.Topic, n.Seq)] = true
		case <-timeout:
			t.Fatalf("notices missing: got %v, want %v", got, want)
		}
	}
	assert.Equal(t, want, got)
}
