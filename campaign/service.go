package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

// Config tunes the Service. The zero value is ready to use.
type Config struct {
	Now func() time.Time // the clock; default time.Now
	// OnReviewed, when set, is called after a draft was approved or
	// rejected, with its campaign (e.g. to publish comment.reviewed and
	// notify the owner). It must not block for long.
	OnReviewed func(ctx context.Context, c *Campaign, d *Draft)
}

// Service is the campaign use-case layer: what the HTTP handlers call on
// behalf of a principal, and the hooks the crew calls to store its work.
type Service struct {
	campaigns  CampaignStore
	prospects  ProspectStore
	drafts     DraftStore
	now        func() time.Time
	onReviewed func(ctx context.Context, c *Campaign, d *Draft)
}

// NewService returns a Service over the three stores, which must not be nil.
func NewService(cfg Config, campaigns CampaignStore, prospects ProspectStore, drafts DraftStore) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{campaigns: campaigns, prospects: prospects, drafts: drafts, now: now, onReviewed: cfg.OnReviewed}
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// notFound maps a store's storage.ErrNotFound to ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNotFound
	}
	return err
}

// Create makes a new campaign owned by the caller.
func (s *Service) Create(ctx context.Context, p *auth.Principal, in CreateInput) (*Campaign, error) {
	if p == nil || p.User == nil || !p.Can(auth.PermCampaignsOwn) {
		return nil, ErrForbidden
	}
	c, err := New(p.User.ID, in, s.clock())
	if err != nil {
		return nil, err
	}
	if err := s.campaigns.Create(ctx, c); err != nil {
		return nil, fmt.Errorf("create campaign: %w", err)
	}
	return c, nil
}

// Get returns a campaign the caller may read; any other is ErrNotFound.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*Campaign, error) {
	c, err := s.campaigns.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get campaign %s: %w", id, notFound(err))
	}
	if !CanRead(p, c) {
		return nil, fmt.Errorf("get campaign %s: %w", id, ErrNotFound)
	}
	return c, nil
}

// Writable returns a campaign the caller may change (to start a run, say):
// ErrNotFound when the caller cannot even read it, ErrForbidden when it can
// read but not change it.
func (s *Service) Writable(ctx context.Context, p *auth.Principal, id string) (*Campaign, error) {
	c, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !CanWrite(p, c) {
		return nil, fmt.Errorf("change campaign %s: %w", id, ErrForbidden)
	}
	return c, nil
}

// List returns the caller's campaigns, newest first. With all, it returns
// everyone's, which needs auth.PermCampaignsReadAll (else ErrForbidden).
// The limit defaults to 50 and is capped at 200.
func (s *Service) List(ctx context.Context, p *auth.Principal, all bool, lp auth.ListParams) (auth.Page[Campaign], error) {
	if p == nil || p.User == nil {
		return auth.Page[Campaign]{}, ErrForbidden
	}
	owner := p.User.ID
	if all {
		if !p.Can(auth.PermCampaignsReadAll) {
			return auth.Page[Campaign]{}, ErrForbidden
		}
		owner = ""
	}
	lp.Limit = auth.ClampLimit(lp.Limit)
	page, err := s.campaigns.List(ctx, owner, lp)
	if err != nil {
		return auth.Page[Campaign]{}, fmt.Errorf("list campaigns: %w", err)
	}
	return page, nil
}

// Update applies a PATCH to a campaign the caller may change.
func (s *Service) Update(ctx context.Context, p *auth.Principal, id string, in PatchInput) (*Campaign, error) {
	if _, err := s.Writable(ctx, p, id); err != nil {
		return nil, err
	}
	now := s.clock()
	c, err := s.campaigns.Update(ctx, id, func(c *Campaign) error {
		if !CanWrite(p, c) {
			return ErrForbidden
		}
		return c.Patch(in, now)
	})
	if err != nil {
		return nil, fmt.Errorf("update campaign %s: %w", id, notFound(err))
	}
	return c, nil
}

// Delete removes a campaign the caller may change, with its runs,
// prospects and drafts.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, id string) error {
	if _, err := s.Writable(ctx, p, id); err != nil {
		return err
	}
	if err := s.campaigns.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete campaign %s: %w", id, notFound(err))
	}
	return nil
}

// ListProspects returns the prospects of a campaign the caller may read,
// in the order they were found, without their main text.
func (s *Service) ListProspects(ctx context.Context, p *auth.Principal, campaignID string, lp auth.ListParams) (auth.Page[Prospect], error) {
	if _, err := s.Get(ctx, p, campaignID); err != nil {
		return auth.Page[Prospect]{}, err
	}
	lp.Limit = auth.ClampLimit(lp.Limit)
	page, err := s.prospects.List(ctx, campaignID, lp)
	if err != nil {
		return auth.Page[Prospect]{}, fmt.Errorf("list prospects of campaign %s: %w", campaignID, err)
	}
	return page, nil
}

// ListDrafts returns the drafts of a campaign the caller may read, only
// those with status when it is not empty.
func (s *Service) ListDrafts(ctx context.Context, p *auth.Principal, campaignID string, status Status, lp auth.ListParams) (auth.Page[Draft], error) {
	if status != "" && !status.Valid() {
		return auth.Page[Draft]{}, &ValidationError{Field: "status", Message: "must be one of draft, approved, rejected"}
	}
	if _, err := s.Get(ctx, p, campaignID); err != nil {
		return auth.Page[Draft]{}, err
	}
	lp.Limit = auth.ClampLimit(lp.Limit)
	page, err := s.drafts.List(ctx, campaignID, status, lp)
	if err != nil {
		return auth.Page[Draft]{}, fmt.Errorf("list drafts of campaign %s: %w", campaignID, err)
	}
	return page, nil
}

// GetDraft returns a draft of a campaign the caller may read.
func (s *Service) GetDraft(ctx context.Context, p *auth.Principal, id string) (*Draft, error) {
	d, _, err := s.loadDraft(ctx, p, id)
	return d, err
}

// loadDraft returns a draft and its campaign when the caller may read
// them, else ErrNotFound.
func (s *Service) loadDraft(ctx context.Context, p *auth.Principal, id string) (*Draft, *Campaign, error) {
	d, err := s.drafts.Get(ctx, id)
	if err != nil {
		return nil, nil, fmt.Errorf("get draft %s: %w", id, notFound(err))
	}
	c, err := s.campaigns.Get(ctx, d.CampaignID)
	if err != nil {
		return nil, nil, fmt.Errorf("get draft %s: %w", id, notFound(err))
	}
	if !CanRead(p, c) {
		return nil, nil, fmt.Errorf("get draft %s: %w", id, ErrNotFound)
	}
	return d, c, nil
}

// EditDraft replaces a draft's body on behalf of the campaign's owner (or
// an admin) while the draft is unreviewed: ErrNotEditable after review,
// ErrForbidden for a reader who may not change the campaign.
func (s *Service) EditDraft(ctx context.Context, p *auth.Principal, id, body string) (*Draft, error) {
	_, c, err := s.loadDraft(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !CanWrite(p, c) {
		return nil, fmt.Errorf("edit draft %s: %w", id, ErrForbidden)
	}
	now := s.clock()
	d, err := s.drafts.Update(ctx, id, func(d *Draft) error { return d.Edit(p.User.ID, body, now) })
	if err != nil {
		return nil, fmt.Errorf("edit draft %s: %w", id, notFound(err))
	}
	return d, nil
}

// ApproveDraft approves an unreviewed draft; moderators and admins only
// (ErrForbidden for others who can see it). A reviewed draft is
// ErrAlreadyReviewed.
func (s *Service) ApproveDraft(ctx context.Context, p *auth.Principal, id string) (*Draft, error) {
	return s.review(ctx, p, id, func(d *Draft, now time.Time) error { return d.Approve(p.User.ID, now) })
}

// RejectDraft rejects an unreviewed draft with an optional reason (at most
// 500 characters); moderators and admins only, as ApproveDraft.
func (s *Service) RejectDraft(ctx context.Context, p *auth.Principal, id, reason string) (*Draft, error) {
	return s.review(ctx, p, id, func(d *Draft, now time.Time) error { return d.Reject(p.User.ID, reason, now) })
}

func (s *Service) review(ctx context.Context, p *auth.Principal, id string, fn func(*Draft, time.Time) error) (*Draft, error) {
	_, c, err := s.loadDraft(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !CanReview(p) {
		return nil, fmt.Errorf("review draft %s: %w", id, ErrForbidden)
	}
	now := s.clock()
	d, err := s.drafts.Update(ctx, id, func(d *Draft) error { return fn(d, now) })
	if err != nil {
		return nil, fmt.Errorf("review draft %s: %w", id, notFound(err))
	}
	if s.onReviewed != nil {
		s.onReviewed(ctx, c, d)
	}
	return d, nil
}

// ExportApproved returns the approved drafts of a campaign the caller may
// read, with their posts, in order of approval; write them with WriteCSV
// or WriteJSON.
func (s *Service) ExportApproved(ctx context.Context, p *auth.Principal, campaignID string) ([]ExportRow, error) {
	if _, err := s.Get(ctx, p, campaignID); err != nil {
		return nil, err
	}
	rows, err := s.drafts.ListApproved(ctx, campaignID)
	if err != nil {
		return nil, fmt.Errorf("export campaign %s: %w", campaignID, err)
	}
	return rows, nil
}

// The crew's hooks below act for the system, not for a principal: the
// runner calls them for a campaign whose run it executes.

// CampaignByID returns a campaign without an access check, for the crew.
func (s *Service) CampaignByID(ctx context.Context, id string) (*Campaign, error) {
	c, err := s.campaigns.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get campaign %s: %w", id, notFound(err))
	}
	return c, nil
}

// ProspectByID returns a prospect with its text, for the crew.
func (s *Service) ProspectByID(ctx context.Context, id string) (*Prospect, error) {
	pr, err := s.prospects.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get prospect %s: %w", id, notFound(err))
	}
	return pr, nil
}

// SaveProspect stores a post the crew found: a new prospect (true), or an
// update of the campaign's prospect with the same canonical URL (false),
// so that saving again after a crash duplicates nothing. An empty
// CanonicalURL is taken from URL; ID and CreatedAt are assigned here. An
// unknown campaign is ErrNotFound.
func (s *Service) SaveProspect(ctx context.Context, pr Prospect) (*Prospect, bool, error) {
	if err := pr.check(); err != nil {
		return nil, false, err
	}
	if _, err := s.campaigns.Get(ctx, pr.CampaignID); err != nil {
		return nil, false, fmt.Errorf("save prospect: campaign %s: %w", pr.CampaignID, notFound(err))
	}
	now := s.clock()
	pr.ID = uuid.Must(uuid.NewV7()).String()
	pr.CreatedAt, pr.UpdatedAt = now, now
	saved, created, err := s.prospects.Upsert(ctx, &pr)
	if err != nil {
		return nil, false, fmt.Errorf("save prospect %s: %w", pr.CanonicalURL, notFound(err))
	}
	return saved, created, nil
}

// SaveDraft stores the crew's draft for a prospect of the campaign. It
// never overwrites a draft a person reviewed or edited: that one is
// returned with Kept. A prospect that does not exist or belongs to
// another campaign is ErrNotFound.
func (s *Service) SaveDraft(ctx context.Context, in DraftInput) (*Draft, SaveOutcome, error) {
	d, err := newDraft(uuid.Must(uuid.NewV7()).String(), in, s.clock())
	if err != nil {
		return nil, 0, err
	}
	pr, err := s.prospects.Get(ctx, in.ProspectID)
	if err != nil {
		return nil, 0, fmt.Errorf("save draft: prospect %s: %w", in.ProspectID, notFound(err))
	}
	if pr.CampaignID != in.CampaignID {
		return nil, 0, fmt.Errorf("save draft: prospect %s of campaign %s: %w", in.ProspectID, in.CampaignID, ErrNotFound)
	}
	saved, outcome, err := s.drafts.Upsert(ctx, d)
	if err != nil {
		return nil, 0, fmt.Errorf("save draft for prospect %s: %w", in.ProspectID, notFound(err))
	}
	return saved, outcome, nil
}

// OtherDrafts returns every draft of the campaign except the prospect's
// own, for the reviewer's near-duplicate check.
func (s *Service) OtherDrafts(ctx context.Context, campaignID, excludeProspectID string) ([]Draft, error) {
	ds, err := s.drafts.Others(ctx, campaignID, excludeProspectID)
	if err != nil {
		return nil, fmt.Errorf("other drafts of campaign %s: %w", campaignID, err)
	}
	return ds, nil
}

// DraftsToday counts the campaign's drafts created since the start of the
// current UTC day, to hold the crew to DailyDraftLimit.
func (s *Service) DraftsToday(ctx context.Context, campaignID string) (int, error) {
	now := s.clock()
	start := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	n, err := s.drafts.CountSince(ctx, campaignID, start)
	if err != nil {
		return 0, fmt.Errorf("count drafts of campaign %s: %w", campaignID, err)
	}
	return n, nil
}

// ProspectByURL returns the campaign's prospect with that canonical URL,
// with its text, for the crew.
func (s *Service) ProspectByURL(ctx context.Context, campaignID, canonicalURL string) (*Prospect, error) {
	pr, err := s.prospects.ByCanonicalURL(ctx, campaignID, canonicalURL)
	if err != nil {
		return nil, fmt.Errorf("get prospect %s: %w", canonicalURL, notFound(err))
	}
	return pr, nil
}

// DraftedURLs returns the canonical URLs of the campaign's prospects that
// already have a draft, so a resumed run skips them.
func (s *Service) DraftedURLs(ctx context.Context, campaignID string) ([]string, error) {
	urls, err := s.drafts.DraftedURLs(ctx, campaignID)
	if err != nil {
		return nil, fmt.Errorf("drafted prospects of campaign %s: %w", campaignID, err)
	}
	return urls, nil
}

// DraftsSince counts the campaign's drafts created at or after since.
func (s *Service) DraftsSince(ctx context.Context, campaignID string, since time.Time) (int, error) {
	n, err := s.drafts.CountSince(ctx, campaignID, since)
	if err != nil {
		return 0, fmt.Errorf("count drafts of campaign %s: %w", campaignID, err)
	}
	return n, nil
}
