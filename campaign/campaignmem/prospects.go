package campaignmem

import (
	"context"
	"fmt"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// Prospects is the in-memory campaign.ProspectStore of a Store, unique per
// campaign and canonical URL.
type Prospects struct{ s *Store }

var (
	_ campaign.ProspectStore  = (*Prospects)(nil)
	_ campaign.ProspectLister = (*Prospects)(nil)
)

// Upsert inserts p, or updates the found data of the campaign's prospect
// with p.CanonicalURL, keeping its ID, CampaignID and CreatedAt. A
// prospect of an unknown campaign is storage.ErrNotFound.
func (ps *Prospects) Upsert(_ context.Context, p *campaign.Prospect) (*campaign.Prospect, bool, error) {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.campaigns[p.CampaignID]; !ok {
		return nil, false, fmt.Errorf("upsert prospect %s: campaign %s: %w", p.CanonicalURL, p.CampaignID, storage.ErrNotFound)
	}
	key := [2]string{p.CampaignID, p.CanonicalURL}
	id, had := s.byURL[key]
	if !had {
		if _, taken := s.prospects[p.ID]; taken {
			return nil, false, fmt.Errorf("upsert prospect %s: ID %s: %w", p.CanonicalURL, p.ID, storage.ErrConflict)
		}
		s.prospects[p.ID] = cloneProspect(p)
		s.byURL[key] = p.ID
		return cloneProspect(p), true, nil
	}
	cur := s.prospects[id]
	next := cloneProspect(p)
	next.ID, next.CreatedAt = cur.ID, cur.CreatedAt
	s.prospects[id] = next
	return cloneProspect(next), false, nil
}

// Get returns the prospect with the given ID, with its text.
func (ps *Prospects) Get(_ context.Context, id string) (*campaign.Prospect, error) {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.prospects[id]
	if !ok {
		return nil, fmt.Errorf("load prospect %s: %w", id, storage.ErrNotFound)
	}
	return cloneProspect(p), nil
}

// List returns the campaign's prospects by ascending ID, without their
// text, p.Limit at a time (default 50, at most 1000).
func (ps *Prospects) List(_ context.Context, campaignID string, p storage.ListParams) (storage.Page[campaign.Prospect], error) {
	all := ps.of(campaignID, func(*campaign.Prospect) bool { return true })
	items, next, err := page(all, func(p campaign.Prospect) string { return p.ID }, prospectCursorTag, p.Cursor, p.Limit, false)
	if err != nil {
		return storage.Page[campaign.Prospect]{}, fmt.Errorf("list prospects: %w", err)
	}
	return storage.Page[campaign.Prospect]{Items: items, NextCursor: next}, nil
}

// ByCanonicalURL returns the campaign's prospect with that canonical URL,
// with its text.
func (ps *Prospects) ByCanonicalURL(_ context.Context, campaignID, canonicalURL string) (*campaign.Prospect, error) {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.byURL[[2]string{campaignID, canonicalURL}]
	if !ok {
		return nil, fmt.Errorf("load prospect %s of campaign %s: %w", canonicalURL, campaignID, storage.ErrNotFound)
	}
	return cloneProspect(s.prospects[id]), nil
}

// ByIDs returns the campaign's prospects among ids, without their text,
// in no order; unknown ids are left out.
func (ps *Prospects) ByIDs(_ context.Context, campaignID string, ids []string) ([]campaign.Prospect, error) {
	want := make(map[string]bool, len(ids))
	for _, id := range ids {
		want[id] = true
	}
	return ps.of(campaignID, func(p *campaign.Prospect) bool { return want[p.ID] }), nil
}

// of returns copies of the campaign's prospects that match, without text.
func (ps *Prospects) of(campaignID string, match func(*campaign.Prospect) bool) []campaign.Prospect {
	s := ps.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []campaign.Prospect{}
	for _, p := range s.prospects {
		if p.CampaignID == campaignID && match(p) {
			c := cloneProspect(p)
			c.Text = ""
			out = append(out, *c)
		}
	}
	return out
}
