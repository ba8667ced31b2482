package notify

import (
	"context"
	"errors"
	"fmt"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage"
)

// ErrTopicForbidden refuses a topic the caller may not read: another
// user's, or a campaign or run the caller may not see (existing or not).
var ErrTopicForbidden = errors.New("you may not read this topic")

// CampaignReader finds a campaign the caller may read; campaign.Service is
// one. It answers an error wrapping campaign.ErrNotFound (or
// campaign.ErrForbidden, storage.ErrNotFound) for a campaign the caller
// may not read, existing or not.
type CampaignReader interface {
	Get(ctx context.Context, p *auth.Principal, id string) (*campaign.Campaign, error)
}

// RunReader finds a run the caller may read (a run of a campaign the
// caller may read); outreach.Runs is one. Its refusals are
// CampaignReader's.
type RunReader interface {
	Get(ctx context.Context, p *auth.Principal, id string) (*agents.Run, error)
}

// TopicRights decides who may read which topic, for the WebSocket hub and
// GET /api/events alike (docs/contract.md): a user reads only their own
// user topic; a campaign topic is readable when its campaign is (owners;
// moderators and admins for any campaign); a run topic when its run is.
type TopicRights struct {
	campaigns CampaignReader
	runs      RunReader
}

// NewTopicRights returns the topic rights over campaigns and runs. Both
// are optional: a nil reader refuses every topic of its kind (a server
// without runs has no run topics to read).
func NewTopicRights(campaigns CampaignReader, runs RunReader) *TopicRights {
	return &TopicRights{campaigns: campaigns, runs: runs}
}

// Authorize decides whether p may read topic, a full topic ("user:<id>",
// "campaign:<id>", "run:<id>"; events.ResolveTopic makes one of what a
// client sends). nil is yes. Every refusal, a malformed topic included,
// wraps ErrTopicForbidden; an error that does not is a failure to decide
// (a database down), which callers report as a failure to retry.
func (r *TopicRights) Authorize(ctx context.Context, p *auth.Principal, topic string) error {
	kind, id, err := events.ParseTopic(topic)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTopicForbidden, err)
	}
	var check func() error
	switch kind {
	case events.KindUser:
		if p == nil || p.User == nil || id != p.User.ID {
			return fmt.Errorf("%w: %s", ErrTopicForbidden, topic)
		}
		return nil
	case events.KindCampaign:
		if r.campaigns != nil {
			check = func() error { _, err := r.campaigns.Get(ctx, p, id); return err }
		}
	case events.KindRun:
		if r.runs != nil {
			check = func() error { _, err := r.runs.Get(ctx, p, id); return err }
		}
	}
	if check == nil {
		return fmt.Errorf("%w: %s", ErrTopicForbidden, topic)
	}
	if err := check(); err != nil {
		if refusal(err) {
			return fmt.Errorf("%w: %s: %w", ErrTopicForbidden, topic, err)
		}
		return fmt.Errorf("check the rights on %s: %w", topic, err)
	}
	return nil
}

// refusal reports whether a reader's error means no (rather than "could
// not tell").
func refusal(err error) bool {
	return errors.Is(err, ErrTopicForbidden) || errors.Is(err, campaign.ErrNotFound) ||
		errors.Is(err, campaign.ErrForbidden) || errors.Is(err, storage.ErrNotFound)
}
