package bunstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// Prospects keeps prospects in kpbot_prospects, unique per campaign and
// canonical URL.
type Prospects struct {
	db bun.IDB
}

var _ campaign.ProspectStore = (*Prospects)(nil)

// NewProspects returns a ProspectStore over db, a *bun.DB or a bun.Tx.
func NewProspects(db bun.IDB) *Prospects { return &Prospects{db: db} }

// Upsert inserts p or updates the campaign's prospect with the same
// canonical URL in one INSERT ... ON CONFLICT DO UPDATE ... RETURNING
// statement, which the database makes atomic under concurrent calls. The
// returned row keeps its first ID and CreatedAt; it is new exactly when
// its ID is p.ID. An unknown campaign fails the campaign_id foreign key,
// which is storage.ErrNotFound.
func (s *Prospects) Upsert(ctx context.Context, p *campaign.Prospect) (*campaign.Prospect, bool, error) {
	row := newProspectRow(p)
	err := s.db.NewInsert().Model(row).
		On("CONFLICT (campaign_id, canonical_url) DO UPDATE").
		Set("url = EXCLUDED.url").
		Set("site = EXCLUDED.site").
		Set("title = EXCLUDED.title").
		Set("author = EXCLUDED.author").
		Set("published_at = EXCLUDED.published_at").
		Set("summary = EXCLUDED.summary").
		Set("main_text = EXCLUDED.main_text").
		Set("relevance = EXCLUDED.relevance").
		Set("accepts_comments = EXCLUDED.accepts_comments").
		Set("comment_system = EXCLUDED.comment_system").
		Set("language = EXCLUDED.language").
		Set("dir = EXCLUDED.dir").
		Set("run_id = EXCLUDED.run_id").
		Set("updated_at = EXCLUDED.updated_at").
		Returning("*").
		Scan(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("upsert prospect %s: %w", p.CanonicalURL, mapMissingParent(err))
	}
	return row.prospect(), row.ID == p.ID, nil
}

// Get returns the prospect with the given ID, with its text.
func (s *Prospects) Get(ctx context.Context, id string) (*campaign.Prospect, error) {
	row := new(prospectRow)
	if err := s.db.NewSelect().Model(row).Where("p.id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load prospect %s: %w", id, mapErr(err))
	}
	return row.prospect(), nil
}

// List returns the campaign's prospects by ascending ID (the order they
// were found), p.Limit at a time (default 50, at most 1000), without their
// text.
func (s *Prospects) List(ctx context.Context, campaignID string, p storage.ListParams) (storage.Page[campaign.Prospect], error) {
	var page storage.Page[campaign.Prospect]
	after, err := decodeCursor(prospectCursorTag, p.Cursor)
	if err != nil {
		return page, fmt.Errorf("list prospects: %w", err)
	}
	limit := pageSize(p.Limit)
	var rows []prospectRow
	q := s.db.NewSelect().Model(&rows).ExcludeColumn("main_text").
		Where("p.campaign_id = ?", campaignID).
		OrderExpr("p.id ASC").Limit(int64(limit + 1))
	if after != "" {
		q = q.Where("p.id > ?", after)
	}
	if err := q.Scan(ctx); err != nil {
		return page, fmt.Errorf("list prospects of campaign %s: %w", campaignID, mapErr(err))
	}
	page.Items = make([]campaign.Prospect, 0, min(len(rows), limit))
	for i := range rows[:min(len(rows), limit)] {
		page.Items = append(page.Items, *rows[i].prospect())
	}
	if len(rows) > limit {
		page.NextCursor = encodeCursor(prospectCursorTag, rows[limit-1].ID)
	}
	return page, nil
}

// ByCanonicalURL returns the campaign's prospect with that canonical URL,
// with its text; the (campaign_id, canonical_url) unique index serves it.
func (s *Prospects) ByCanonicalURL(ctx context.Context, campaignID, canonicalURL string) (*campaign.Prospect, error) {
	row := new(prospectRow)
	if err := s.db.NewSelect().Model(row).
		Where("p.campaign_id = ?", campaignID).
		Where("p.canonical_url = ?", canonicalURL).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("load prospect %s of campaign %s: %w", canonicalURL, campaignID, mapErr(err))
	}
	return row.prospect(), nil
}
