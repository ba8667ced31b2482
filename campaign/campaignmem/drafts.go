package campaignmem

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// Drafts is the in-memory campaign.DraftStore of a Store, at most one
// draft per prospect.
type Drafts struct{ s *Store }

var _ campaign.DraftStore = (*Drafts)(nil)

// Upsert inserts d, or replaces the body, score and flags of the
// prospect's draft while it is unreviewed and unedited (Updated); a draft
// a person reviewed or edited is returned unchanged with Kept. A draft of
// an unknown prospect is storage.ErrNotFound.
func (ds *Drafts) Upsert(_ context.Context, d *campaign.Draft) (*campaign.Draft, campaign.SaveOutcome, error) {
	s := ds.s
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.prospects[d.ProspectID]
	if !ok || p.CampaignID != d.CampaignID {
		return nil, 0, fmt.Errorf("upsert draft for prospect %s: %w", d.ProspectID, storage.ErrNotFound)
	}
	id, had := s.byProsp[d.ProspectID]
	if !had {
		if _, taken := s.drafts[d.ID]; taken {
			return nil, 0, fmt.Errorf("upsert draft for prospect %s: ID %s: %w", d.ProspectID, d.ID, storage.ErrConflict)
		}
		s.drafts[d.ID] = cloneDraft(d)
		s.byProsp[d.ProspectID] = d.ID
		return cloneDraft(d), campaign.Inserted, nil
	}
	cur := s.drafts[id]
	if cur.Status != campaign.DraftUnreviewed || len(cur.Edits) > 0 {
		return cloneDraft(cur), campaign.Kept, nil
	}
	next := cloneDraft(cur)
	next.Body, next.Score, next.Flags, next.UpdatedAt = d.Body, d.Score, cloneList(d.Flags), d.UpdatedAt
	s.drafts[id] = next
	return cloneDraft(next), campaign.Updated, nil
}

// Get returns the draft with the given ID.
func (ds *Drafts) Get(_ context.Context, id string) (*campaign.Draft, error) {
	s := ds.s
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.drafts[id]
	if !ok {
		return nil, fmt.Errorf("load draft %s: %w", id, storage.ErrNotFound)
	}
	return cloneDraft(d), nil
}

// List returns the campaign's drafts by ascending ID, only those with
// status unless it is empty, p.Limit at a time (default 50, at most 1000).
func (ds *Drafts) List(_ context.Context, campaignID string, status campaign.DraftStatus, p storage.ListParams) (storage.Page[campaign.Draft], error) {
	all := ds.of(campaignID, func(d *campaign.Draft) bool { return status == "" || d.Status == status })
	items, next, err := page(all, func(d campaign.Draft) string { return d.ID }, draftCursorTag, p.Cursor, p.Limit, false)
	if err != nil {
		return storage.Page[campaign.Draft]{}, fmt.Errorf("list drafts: %w", err)
	}
	return storage.Page[campaign.Draft]{Items: items, NextCursor: next}, nil
}

// Update applies fn to a copy of the draft and stores the result unless fn
// fails; fn must not change the ID, campaign or prospect.
func (ds *Drafts) Update(_ context.Context, id string, fn func(*campaign.Draft) error) (*campaign.Draft, error) {
	s := ds.s
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.drafts[id]
	if !ok {
		return nil, fmt.Errorf("load draft %s: %w", id, storage.ErrNotFound)
	}
	next := cloneDraft(cur)
	if err := fn(next); err != nil {
		return nil, err
	}
	if next.ID != id || next.CampaignID != cur.CampaignID || next.ProspectID != cur.ProspectID {
		return nil, fmt.Errorf("update draft %s: the update changed its ID, campaign or prospect", id)
	}
	next.CreatedAt = cur.CreatedAt
	s.drafts[id] = cloneDraft(next)
	return next, nil
}

// Others returns every draft of the campaign but the one of
// excludeProspectID, by ascending ID.
func (ds *Drafts) Others(_ context.Context, campaignID, excludeProspectID string) ([]campaign.Draft, error) {
	out := ds.of(campaignID, func(d *campaign.Draft) bool { return d.ProspectID != excludeProspectID })
	slices.SortFunc(out, func(a, b campaign.Draft) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// ListApproved returns the campaign's approved drafts with their posts, in
// order of approval (then ID).
func (ds *Drafts) ListApproved(_ context.Context, campaignID string) ([]campaign.ExportRow, error) {
	s := ds.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []campaign.ExportRow{}
	for _, d := range s.drafts {
		if d.CampaignID != campaignID || d.Status != campaign.DraftApproved {
			continue
		}
		p := s.prospects[d.ProspectID]
		row := campaign.ExportRow{DraftID: d.ID, Body: d.Body, PostURL: p.URL, PostTitle: p.Title, Site: p.Site}
		if d.ReviewedAt != nil {
			row.ApprovedAt = d.ReviewedAt.UTC()
		}
		if d.ReviewedBy != nil {
			row.ReviewedBy = *d.ReviewedBy
		}
		out = append(out, row)
	}
	slices.SortFunc(out, func(a, b campaign.ExportRow) int {
		if c := a.ApprovedAt.Compare(b.ApprovedAt); c != 0 {
			return c
		}
		return strings.Compare(a.DraftID, b.DraftID)
	})
	return out, nil
}

// CountSince counts the campaign's drafts created at or after since.
func (ds *Drafts) CountSince(_ context.Context, campaignID string, since time.Time) (int, error) {
	return len(ds.of(campaignID, func(d *campaign.Draft) bool { return !d.CreatedAt.Before(since) })), nil
}

// DraftedURLs returns the sorted canonical URLs of the campaign's
// prospects that have a draft.
func (ds *Drafts) DraftedURLs(_ context.Context, campaignID string) ([]string, error) {
	s := ds.s
	s.mu.Lock()
	defer s.mu.Unlock()
	urls := []string{}
	for _, d := range s.drafts {
		if d.CampaignID == campaignID {
			urls = append(urls, s.prospects[d.ProspectID].CanonicalURL)
		}
	}
	slices.Sort(urls)
	return urls, nil
}

// of returns copies of the campaign's drafts that match, in no order.
func (ds *Drafts) of(campaignID string, match func(*campaign.Draft) bool) []campaign.Draft {
	s := ds.s
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []campaign.Draft{}
	for _, d := range s.drafts {
		if d.CampaignID == campaignID && match(d) {
			out = append(out, *cloneDraft(d))
		}
	}
	return out
}
