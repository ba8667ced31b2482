package outreach

import (
	"context"
	"errors"
	"fmt"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/events"
)

// RunEvents is the crew's agents.EventSink over the event log: every event
// of a run is stored on its run:<id> topic and on its campaign's
// campaign:<id> topic, each with that topic's own seq, and announced to
// every instance.
type RunEvents struct {
	pub *events.Publisher
}

var _ agents.EventSink = (*RunEvents)(nil)

// NewRunEvents returns the sink publishing through pub.
func NewRunEvents(pub *events.Publisher) *RunEvents { return &RunEvents{pub: pub} }

// Emit stores and announces one run event.
func (e *RunEvents) Emit(ctx context.Context, runID, campaignID, name string, data any) error {
	_, err := e.pub.Publish(ctx, name, data, events.RunTopic(runID), events.CampaignTopic(campaignID))
	if errors.Is(err, events.ErrNotAnnounced) {
		return nil // stored: subscribers catch up on the topic's next notice or read
	}
	if err != nil {
		return fmt.Errorf("emit %s of run %s: %w", name, runID, err)
	}
	return nil
}
