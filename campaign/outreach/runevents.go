package outreach

import (
	"context"
	"errors"
	"fmt"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/events"
)

// RunEventPublisher is the crew's agents.EventSink over the event log:
// every event of a run is stored on its run:<id> topic and on its
// campaign's campaign:<id> topic, each with that topic's own seq, and
// announced to every instance.
type RunEventPublisher struct {
	pub *events.Publisher
}

var _ agents.EventSink = (*RunEventPublisher)(nil)

// NewRunEventPublisher returns the sink publishing through pub, which is
// required.
func NewRunEventPublisher(pub *events.Publisher) (*RunEventPublisher, error) {
	if pub == nil {
		return nil, errors.New("new run event publisher: the publisher is required")
	}
	return &RunEventPublisher{pub: pub}, nil
}

// Emit stores and announces one run event.
func (e *RunEventPublisher) Emit(ctx context.Context, runID, campaignID, name string, data any) error {
	_, err := e.pub.Publish(ctx, name, data, events.RunTopic(runID), events.CampaignTopic(campaignID))
	if errors.Is(err, events.ErrNotAnnounced) {
		return nil // stored: subscribers catch up on the topic's next notice or read
	}
	if err != nil {
		return fmt.Errorf("emit %s of run %s: %w", name, runID, err)
	}
	return nil
}
