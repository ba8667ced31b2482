package campaign

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// CrewConfig tunes the CrewService. The zero value is ready to use.
type CrewConfig struct {
	Now func() time.Time // the clock; default time.Now
}

// CrewService is what the crew calls to store its work and to look up
// what it needs while a run executes: it acts for the system, not for a
// principal, on a campaign whose run the runner executes. What users call
// is Service (service.go).
type CrewService struct {
	campaigns CampaignStore
	prospects ProspectStore
	drafts    DraftStore
	now       func() time.Time
}

// NewCrewService returns a CrewService over stores; every store is
// required.
func NewCrewService(cfg CrewConfig, stores Stores) (*CrewService, error) {
	if err := stores.check("campaign crew service"); err != nil {
		return nil, err
	}
	return &CrewService{campaigns: stores.Campaigns, prospects: stores.Prospects, drafts: stores.Drafts, now: clockOrNow(cfg.Now)}, nil
}

func (s *CrewService) clock() time.Time { return s.now().UTC() }

// CampaignByID returns a campaign without an access check, for the crew.
func (s *CrewService) CampaignByID(ctx context.Context, id string) (*Campaign, error) {
	c, err := s.campaigns.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get campaign %s: %w", id, notFound(err))
	}
	return c, nil
}

// ProspectByID returns a prospect with its text, for the crew.
func (s *CrewService) ProspectByID(ctx context.Context, id string) (*Prospect, error) {
	pr, err := s.prospects.Get(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get prospect %s: %w", id, notFound(err))
	}
	return pr, nil
}

// ProspectByURL returns the campaign's prospect with that canonical URL,
// with its text, for the crew.
func (s *CrewService) ProspectByURL(ctx context.Context, campaignID, canonicalURL string) (*Prospect, error) {
	pr, err := s.prospects.ByCanonicalURL(ctx, campaignID, canonicalURL)
	if err != nil {
		return nil, fmt.Errorf("get prospect %s: %w", canonicalURL, notFound(err))
	}
	return pr, nil
}

// SaveProspect stores a post the crew found: a new prospect (true), or an
// update of the campaign's prospect with the same canonical URL (false),
// so that saving again after a crash duplicates nothing. An empty
// CanonicalURL is taken from URL; ID and CreatedAt are assigned here. The
// returned prospect carries the stored ID (the first one, on an update),
// which SaveDraft takes. An unknown campaign is ErrNotFound: the store
// reports it from the write itself, so the campaign is not read first.
func (s *CrewService) SaveProspect(ctx context.Context, pr Prospect) (*Prospect, bool, error) {
	if err := pr.check(); err != nil {
		return nil, false, err
	}
	now := s.clock()
	pr.ID = uuid.Must(uuid.NewV7()).String()
	pr.CreatedAt, pr.UpdatedAt = now, now
	saved, created, err := s.prospects.Upsert(ctx, &pr)
	if err != nil {
		return nil, false, fmt.Errorf("save prospect %s of campaign %s: %w", pr.CanonicalURL, pr.CampaignID, notFound(err))
	}
	return saved, created, nil
}

// SaveDraft stores the crew's draft for a prospect of the campaign. It
// never overwrites a draft a person reviewed or edited: that one is
// returned with Kept. A prospect that does not exist or belongs to
// another campaign is ErrNotFound.
func (s *CrewService) SaveDraft(ctx context.Context, in DraftInput) (*Draft, SaveOutcome, error) {
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
func (s *CrewService) OtherDrafts(ctx context.Context, campaignID, excludeProspectID string) ([]Draft, error) {
	ds, err := s.drafts.Others(ctx, campaignID, excludeProspectID)
	if err != nil {
		return nil, fmt.Errorf("other drafts of campaign %s: %w", campaignID, err)
	}
	return ds, nil
}

// DraftsToday counts the campaign's drafts created since the start of the
// current UTC day, to hold the crew to DailyDraftLimit.
func (s *CrewService) DraftsToday(ctx context.Context, campaignID string) (int, error) {
	now := s.clock()
	return s.DraftsSince(ctx, campaignID, time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC))
}

// DraftsSince counts the campaign's drafts created at or after since.
func (s *CrewService) DraftsSince(ctx context.Context, campaignID string, since time.Time) (int, error) {
	n, err := s.drafts.CountSince(ctx, campaignID, since)
	if err != nil {
		return 0, fmt.Errorf("count drafts of campaign %s: %w", campaignID, err)
	}
	return n, nil
}

// DraftedURLs returns the canonical URLs of the campaign's prospects that
// already have a draft, so a resumed run skips them.
func (s *CrewService) DraftedURLs(ctx context.Context, campaignID string) ([]string, error) {
	urls, err := s.drafts.DraftedURLs(ctx, campaignID)
	if err != nil {
		return nil, fmt.Errorf("drafted prospects of campaign %s: %w", campaignID, err)
	}
	return urls, nil
}
