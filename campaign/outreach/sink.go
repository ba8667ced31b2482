package outreach

import (
	"context"
	"fmt"
	"time"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/campaign"
)

// Sink is the crew's agents.Sink (and agents.DraftCounter) over the
// campaign crew service: prospects keyed by campaign and canonical URL,
// one draft per prospect, never overwriting a draft a person touched.
type Sink struct {
	campaigns *campaign.CrewService
}

var (
	_ agents.Sink         = (*Sink)(nil)
	_ agents.DraftCounter = (*Sink)(nil)
)

// NewSink returns a Sink writing through svc.
func NewSink(svc *campaign.CrewService) *Sink { return &Sink{campaigns: svc} }

// SaveProspect upserts the post as a prospect of its campaign and returns
// the prospect's id.
func (s *Sink) SaveProspect(ctx context.Context, p agents.ProspectResult) (string, bool, error) {
	saved, created, err := s.campaigns.SaveProspect(ctx, campaign.Prospect{
		CampaignID:      p.CampaignID,
		URL:             p.URL,
		CanonicalURL:    p.Key(),
		Site:            p.Site,
		Title:           p.Title,
		Author:          p.Author,
		PublishedAt:     p.PublishedAt,
		Summary:         p.Summary,
		Text:            p.Text,
		Relevance:       p.Relevance,
		AcceptsComments: p.AcceptsComments,
		CommentSystem:   p.CommentSystem,
		Language:        p.Language,
		Dir:             p.Dir,
	})
	if err != nil {
		return "", false, fmt.Errorf("save prospect %s: %w", p.Key(), err)
	}
	return saved.ID, created, nil
}

// SaveDraft stores the draft of the prospect d.ProspectID. A draft
// without it (from a run checkpointed before prospects carried their id)
// is for the campaign's prospect whose canonical URL is d.ProspectKey.
func (s *Sink) SaveDraft(ctx context.Context, d agents.DraftResult) (bool, error) {
	prospectID := d.ProspectID
	if prospectID == "" {
		pr, err := s.campaigns.ProspectByURL(ctx, d.CampaignID, d.ProspectKey)
		if err != nil {
			return false, fmt.Errorf("save draft: %w", err)
		}
		prospectID = pr.ID
	}
	_, outcome, err := s.campaigns.SaveDraft(ctx, campaign.DraftInput{
		CampaignID: d.CampaignID, ProspectID: prospectID, Body: d.Body, Score: d.Score, Flags: d.Flags,
	})
	if err != nil {
		return false, fmt.Errorf("save draft for %s: %w", d.ProspectKey, err)
	}
	return outcome == campaign.Inserted, nil
}

// ExistingDrafts returns the bodies of the campaign's drafts.
func (s *Sink) ExistingDrafts(ctx context.Context, campaignID string) ([]string, error) {
	ds, err := s.campaigns.OtherDrafts(ctx, campaignID, "")
	if err != nil {
		return nil, err
	}
	bodies := make([]string, len(ds))
	for i := range ds {
		bodies[i] = ds[i].Body
	}
	return bodies, nil
}

// DraftedProspects returns the canonical URLs of the campaign's prospects
// that have a draft.
func (s *Sink) DraftedProspects(ctx context.Context, campaignID string) (map[string]bool, error) {
	urls, err := s.campaigns.DraftedURLs(ctx, campaignID)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(urls))
	for _, u := range urls {
		set[u] = true
	}
	return set, nil
}

// DraftsSince counts the campaign's drafts made at or after since, by any run.
func (s *Sink) DraftsSince(ctx context.Context, campaignID string, since time.Time) (int, error) {
	return s.campaigns.DraftsSince(ctx, campaignID, since)
}
