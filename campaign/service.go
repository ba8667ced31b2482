package campaign

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// Service is what users call: campaign CRUD, the prospect and draft
// listings, the review workflow (edit, approve, reject) and the export,
// each on behalf of a principal and under the access rules of access.go.
// What the crew calls to store its work is CrewService (crew.go).
type Service struct {
	campaigns  CampaignStore
	prospects  ProspectStore
	drafts     DraftStore
	now        func() time.Time
	onReviewed func(ctx context.Context, c *Campaign, d *Draft)
}

// NewService returns a Service over stores; every store is required.
func NewService(cfg Config, stores Stores) (*Service, error) {
	if err := stores.check("campaign service"); err != nil {
		return nil, err
	}
	return &Service{
		campaigns: stores.Campaigns, prospects: stores.Prospects, drafts: stores.Drafts,
		now: clockOrNow(cfg.Now), onReviewed: cfg.OnReviewed,
	}, nil
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// clockOrNow is now, or time.Now when it is nil.
func clockOrNow(now func() time.Time) func() time.Time {
	if now == nil {
		return time.Now
	}
	return now
}

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
func (s *Service) List(ctx context.Context, p *auth.Principal, all bool, lp storage.ListParams) (storage.Page[Campaign], error) {
	if p == nil || p.User == nil {
		return storage.Page[Campaign]{}, ErrForbidden
	}
	owner := p.User.ID
	if all {
		if !p.Can(auth.PermCampaignsReadAll) {
			return storage.Page[Campaign]{}, ErrForbidden
		}
		owner = ""
	}
	lp.Limit = storage.ClampLimit(lp.Limit)
	page, err := s.campaigns.List(ctx, owner, lp)
	if err != nil {
		return storage.Page[Campaign]{}, fmt.Errorf("list campaigns: %w", err)
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
func (s *Service) ListProspects(ctx context.Context, p *auth.Principal, campaignID string, lp storage.ListParams) (storage.Page[Prospect], error) {
	if _, err := s.Get(ctx, p, campaignID); err != nil {
		return storage.Page[Prospect]{}, err
	}
	lp.Limit = storage.ClampLimit(lp.Limit)
	page, err := s.prospects.List(ctx, campaignID, lp)
	if err != nil {
		return storage.Page[Prospect]{}, fmt.Errorf("list prospects of campaign %s: %w", campaignID, err)
	}
	return page, nil
}

// ListDrafts returns the drafts of a campaign the caller may read, only
// those with status when it is not empty.
func (s *Service) ListDrafts(ctx context.Context, p *auth.Principal, campaignID string, status DraftStatus, lp storage.ListParams) (storage.Page[Draft], error) {
	if status != "" && !status.Valid() {
		return storage.Page[Draft]{}, &ValidationError{Field: "status", Message: "must be one of draft, approved, rejected"}
	}
	if _, err := s.Get(ctx, p, campaignID); err != nil {
		return storage.Page[Draft]{}, err
	}
	lp.Limit = storage.ClampLimit(lp.Limit)
	page, err := s.drafts.List(ctx, campaignID, status, lp)
	if err != nil {
		return storage.Page[Draft]{}, fmt.Errorf("list drafts of campaign %s: %w", campaignID, err)
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

// QueryProspects returns a sorted, filtered page of the prospects of a
// campaign the caller may read. A store without ProspectQuerier serves
// only the default order, without filters.
func (s *Service) QueryProspects(ctx context.Context, p *auth.Principal, campaignID string, q ProspectQuery) (ProspectPage, error) {
	if err := q.check(); err != nil {
		return ProspectPage{}, err
	}
	if _, err := s.Get(ctx, p, campaignID); err != nil {
		return ProspectPage{}, err
	}
	q.Limit = storage.ClampLimit(q.Limit)
	querier, ok := s.prospects.(ProspectQuerier)
	if !ok {
		if !q.isDefault() {
			return ProspectPage{}, &ValidationError{Field: "sort", Message: "this store cannot sort or filter prospects"}
		}
		page, err := s.prospects.List(ctx, campaignID, storage.ListParams{Limit: q.Limit, Cursor: q.Cursor})
		if err != nil {
			return ProspectPage{}, fmt.Errorf("list prospects of campaign %s: %w", campaignID, err)
		}
		return ProspectPage{Page: page, Total: -1}, nil
	}
	page, err := querier.Query(ctx, campaignID, q)
	if err != nil {
		return ProspectPage{}, fmt.Errorf("query prospects of campaign %s: %w", campaignID, err)
	}
	return page, nil
}

// ProspectsOf returns the prospects of a page of drafts of a campaign the
// caller may read, by ID and without their Text, so a review queue shows
// each post beside its draft. A store without ProspectLister gives none.
func (s *Service) ProspectsOf(ctx context.Context, p *auth.Principal, campaignID string, drafts []Draft) (map[string]Prospect, error) {
	lister, ok := s.prospects.(ProspectLister)
	if !ok || len(drafts) == 0 {
		return map[string]Prospect{}, nil
	}
	if _, err := s.Get(ctx, p, campaignID); err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(drafts))
	for _, d := range drafts {
		ids = append(ids, d.ProspectID)
	}
	list, err := lister.ByIDs(ctx, campaignID, ids)
	if err != nil {
		return nil, fmt.Errorf("load prospects of campaign %s: %w", campaignID, err)
	}
	out := make(map[string]Prospect, len(list))
	for _, pr := range list {
		out[pr.ID] = pr
	}
	return out, nil
}
