package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kpbot/kpbot/storage"
)

// Lists use auth's page types: ListParams{Limit, Cursor} in, Page{Items,
// NextCursor} out. Stores return a cursor they did not issue as an error
// wrapping storage.ErrInvalidCursor.

// CampaignStore keeps campaigns. Implementations return storage.ErrNotFound
// for a missing campaign and storage.ErrConflict for a duplicate ID.
// Deleting a campaign deletes everything that references it (prospects,
// drafts, runs) through ON DELETE CASCADE.
type CampaignStore interface {
	// Create inserts c; c.ID is set by the caller.
	Create(ctx context.Context, c *Campaign) error
	// Get returns the campaign with the given ID.
	Get(ctx context.Context, id string) (*Campaign, error)
	// List returns campaigns newest first (by descending ID), a page at a
	// time; only ownerID's when ownerID is not empty, else everyone's.
	List(ctx context.Context, ownerID string, p storage.ListParams) (storage.Page[Campaign], error)
	// Update loads the campaign, applies fn and saves the result in one
	// transaction; an error from fn aborts the update and is returned.
	Update(ctx context.Context, id string, fn func(*Campaign) error) (*Campaign, error)
	// Delete removes the campaign and, by cascade, all that belongs to it.
	Delete(ctx context.Context, id string) error
}

// ProspectStore keeps prospects, unique per campaign and canonical URL.
// Implementations return storage.ErrNotFound for a missing prospect.
type ProspectStore interface {
	// Upsert inserts p, or, when the campaign already has a prospect with
	// p.CanonicalURL, updates that one's found data (everything but ID,
	// CampaignID, CanonicalURL and CreatedAt), atomically even under
	// concurrent calls. It returns the stored prospect and whether it was
	// inserted. A p.CampaignID that names no campaign is
	// storage.ErrNotFound, found by the write itself (the service does not
	// read the campaign first).
	Upsert(ctx context.Context, p *Prospect) (*Prospect, bool, error)
	// Get returns the prospect with the given ID, with its text.
	Get(ctx context.Context, id string) (*Prospect, error)
	// List returns the campaign's prospects in the order they were found
	// (ascending ID), a page at a time, without their Text.
	List(ctx context.Context, campaignID string, p storage.ListParams) (storage.Page[Prospect], error)
	// ByCanonicalURL returns the campaign's prospect with that canonical
	// URL, with its text.
	ByCanonicalURL(ctx context.Context, campaignID, canonicalURL string) (*Prospect, error)
}

// DraftStore keeps drafts, at most one per prospect. Implementations
// return storage.ErrNotFound for a missing draft.
type DraftStore interface {
	// Upsert inserts d, or replaces the prospect's existing draft's body,
	// score and flags when that draft is still unreviewed and unedited
	// (Updated). A draft that was reviewed or edited is never changed: it is
	// returned with Kept. The check is part of the write, so it holds under
	// concurrent reviews.
	Upsert(ctx context.Context, d *Draft) (*Draft, SaveOutcome, error)
	// Get returns the draft with the given ID.
	Get(ctx context.Context, id string) (*Draft, error)
	// List returns the campaign's drafts by ascending ID, a page at a
	// time, only those with the given status when status is not empty.
	List(ctx context.Context, campaignID string, status DraftStatus, p storage.ListParams) (storage.Page[Draft], error)
	// Update loads the draft, applies fn and saves the result in one
	// transaction; an error from fn aborts the update and is returned.
	Update(ctx context.Context, id string, fn func(*Draft) error) (*Draft, error)
	// Others returns every draft of the campaign except the one of
	// excludeProspectID, for the reviewer's near-duplicate check.
	Others(ctx context.Context, campaignID, excludeProspectID string) ([]Draft, error)
	// ListApproved returns the campaign's approved drafts with their posts,
	// in order of approval.
	ListApproved(ctx context.Context, campaignID string) ([]ExportRow, error)
	// CountSince counts the campaign's drafts created at or after since.
	CountSince(ctx context.Context, campaignID string, since time.Time) (int, error)
	// DraftedURLs returns the canonical URLs of the campaign's prospects
	// that have a draft.
	DraftedURLs(ctx context.Context, campaignID string) ([]string, error)
}

// Stores are the stores the campaign services work on; every one is
// required.
type Stores struct {
	Campaigns CampaignStore
	Prospects ProspectStore
	Drafts    DraftStore
}

// check reports the stores that are missing, for who's constructor.
func (s Stores) check(who string) error {
	var missing []error
	if s.Campaigns == nil {
		missing = append(missing, errors.New("no campaign store"))
	}
	if s.Prospects == nil {
		missing = append(missing, errors.New("no prospect store"))
	}
	if s.Drafts == nil {
		missing = append(missing, errors.New("no draft store"))
	}
	if len(missing) > 0 {
		return fmt.Errorf("%s: %w", who, errors.Join(missing...))
	}
	return nil
}
