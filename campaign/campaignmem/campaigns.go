package campaignmem

import (
	"context"
	"fmt"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// Campaigns is the in-memory campaign.CampaignStore of a Store.
type Campaigns struct{ s *Store }

var _ campaign.CampaignStore = (*Campaigns)(nil)

// Create inserts c; a duplicate ID is storage.ErrConflict.
func (c *Campaigns) Create(_ context.Context, in *campaign.Campaign) error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.campaigns[in.ID]; ok {
		return fmt.Errorf("create campaign %s: %w", in.ID, storage.ErrConflict)
	}
	s.campaigns[in.ID] = cloneCampaign(in)
	return nil
}

// Get returns the campaign with the given ID.
func (c *Campaigns) Get(_ context.Context, id string) (*campaign.Campaign, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	got, ok := s.campaigns[id]
	if !ok {
		return nil, fmt.Errorf("load campaign %s: %w", id, storage.ErrNotFound)
	}
	return cloneCampaign(got), nil
}

// List returns campaigns newest first (descending ID), ownerID's only
// unless ownerID is empty, p.Limit at a time (default 50, at most 1000).
func (c *Campaigns) List(_ context.Context, ownerID string, p storage.ListParams) (storage.Page[campaign.Campaign], error) {
	s := c.s
	s.mu.Lock()
	all := make([]campaign.Campaign, 0, len(s.campaigns))
	for _, got := range s.campaigns {
		if ownerID == "" || got.OwnerID == ownerID {
			all = append(all, *cloneCampaign(got))
		}
	}
	s.mu.Unlock()
	items, next, err := page(all, func(c campaign.Campaign) string { return c.ID }, campaignCursorTag, p.Cursor, p.Limit, true)
	if err != nil {
		return storage.Page[campaign.Campaign]{}, fmt.Errorf("list campaigns: %w", err)
	}
	return storage.Page[campaign.Campaign]{Items: items, NextCursor: next}, nil
}

// Update applies fn to a copy of the campaign and stores the result unless
// fn fails; fn must not change the ID or the owner.
func (c *Campaigns) Update(_ context.Context, id string, fn func(*campaign.Campaign) error) (*campaign.Campaign, error) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.campaigns[id]
	if !ok {
		return nil, fmt.Errorf("load campaign %s: %w", id, storage.ErrNotFound)
	}
	next := cloneCampaign(cur)
	if err := fn(next); err != nil {
		return nil, err
	}
	if next.ID != id || next.OwnerID != cur.OwnerID {
		return nil, fmt.Errorf("update campaign %s: the update changed its ID or owner", id)
	}
	next.CreatedAt = cur.CreatedAt
	s.campaigns[id] = cloneCampaign(next)
	return next, nil
}

// Delete removes the campaign with its prospects and drafts.
func (c *Campaigns) Delete(_ context.Context, id string) error {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.campaigns[id]; !ok {
		return fmt.Errorf("delete campaign %s: %w", id, storage.ErrNotFound)
	}
	delete(s.campaigns, id)
	for pid, p := range s.prospects {
		if p.CampaignID == id {
			delete(s.prospects, pid)
			delete(s.byURL, [2]string{id, p.CanonicalURL})
		}
	}
	for did, d := range s.drafts {
		if d.CampaignID == id {
			delete(s.drafts, did)
			delete(s.byProsp, d.ProspectID)
		}
	}
	return nil
}
