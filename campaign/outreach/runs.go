package outreach

import (
	"context"
	"errors"
	"fmt"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// ErrCampaignArchived refuses a run of an archived campaign (409).
var ErrCampaignArchived = errors.New("campaign is archived; make it active to run it")

// Queue is the durable run queue (agents/riverjob implements it).
type Queue interface {
	// Submit creates a queued run of brief and enqueues it.
	Submit(ctx context.Context, brief agents.Brief) (*agents.Run, error)
	// Cancel cancels an active run; a finished one is agents.ErrRunFinished.
	Cancel(ctx context.Context, runID string) (*agents.Run, error)
}

// Runs guards the crew's runs with the campaigns' access rules: a run is
// visible to whoever may read its campaign, and started or cancelled by
// whoever may change it. Anything else is campaign.ErrNotFound.
type Runs struct {
	campaigns *campaign.Service
	store     agents.RunStore
	queue     Queue
}

// NewRuns returns the run use cases.
func NewRuns(campaigns *campaign.Service, store agents.RunStore, queue Queue) *Runs {
	return &Runs{campaigns: campaigns, store: store, queue: queue}
}

// Start queues a run of the campaign: research, then comment drafting.
func (r *Runs) Start(ctx context.Context, p *auth.Principal, campaignID string) (*agents.Run, error) {
	c, err := r.campaigns.Writable(ctx, p, campaignID)
	if err != nil {
		return nil, err
	}
	if c.Status == campaign.CampaignArchived {
		return nil, ErrCampaignArchived
	}
	run, err := r.queue.Submit(ctx, BriefOf(c))
	if err != nil {
		return nil, fmt.Errorf("start run of campaign %s: %w", c.ID, err)
	}
	return run, nil
}

// Get returns a run the caller may see.
func (r *Runs) Get(ctx context.Context, p *auth.Principal, runID string) (*agents.Run, error) {
	run, err := r.store.Get(ctx, runID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, campaign.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get run %s: %w", runID, err)
	}
	if _, err := r.campaigns.Get(ctx, p, run.CampaignID); err != nil {
		return nil, err
	}
	return run, nil
}

// List returns the campaign's runs, newest first.
func (r *Runs) List(ctx context.Context, p *auth.Principal, campaignID string, lp storage.ListParams) (agents.RunPage, error) {
	if _, err := r.campaigns.Get(ctx, p, campaignID); err != nil {
		return agents.RunPage{}, err
	}
	page, err := r.store.ListByCampaign(ctx, campaignID, agents.ListParams{Limit: storage.ClampLimit(lp.Limit), Cursor: lp.Cursor})
	if err != nil {
		return agents.RunPage{}, fmt.Errorf("list runs of campaign %s: %w", campaignID, err)
	}
	return page, nil
}

// Cancel stops an active run of a campaign the caller may change.
func (r *Runs) Cancel(ctx context.Context, p *auth.Principal, runID string) (*agents.Run, error) {
	run, err := r.Get(ctx, p, runID)
	if err != nil {
		return nil, err
	}
	if _, err := r.campaigns.Writable(ctx, p, run.CampaignID); err != nil {
		return nil, err
	}
	return r.queue.Cancel(ctx, runID)
}

// BriefOf is what the crew needs to know of a campaign.
func BriefOf(c *campaign.Campaign) agents.Brief {
	return agents.Brief{
		CampaignID:      c.ID,
		OwnerID:         c.OwnerID,
		Keywords:        c.Keywords,
		SeedURLs:        c.SeedURLs,
		Topics:          c.Topics,
		Language:        c.Language,
		Tone:            c.Tone,
		MaxProspects:    c.MaxProspects,
		Guidelines:      c.CommentGuidelines,
		AllowLinks:      c.AllowLinks,
		DailyDraftLimit: c.DailyDraftLimit,
	}
}
