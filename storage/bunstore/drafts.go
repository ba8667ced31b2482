package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// Drafts keeps comment drafts in kpbot_drafts, at most one per prospect.
type Drafts struct {
	db bun.IDB
}

var _ campaign.DraftStore = (*Drafts)(nil)

// NewDrafts returns a DraftStore over db, a *bun.DB or a bun.Tx.
func NewDrafts(db bun.IDB) *Drafts { return &Drafts{db: db} }

// Upsert inserts d, or replaces the body, score and flags of the
// prospect's existing draft, in one INSERT ... ON CONFLICT (prospect_id)
// DO UPDATE ... WHERE status = 'draft' AND edit_count = 0 statement: the
// database decides, atomically with any concurrent review or edit,
// whether the existing draft may still be replaced. When it may not, no
// row comes back, and the kept draft is loaded and returned with Kept.
func (s *Drafts) Upsert(ctx context.Context, d *campaign.Draft) (*campaign.Draft, campaign.SaveOutcome, error) {
	row, err := newDraftRow(d)
	if err != nil {
		return nil, 0, fmt.Errorf("upsert draft for prospect %s: %w", d.ProspectID, err)
	}
	err = s.db.NewInsert().Model(row).
		On("CONFLICT (prospect_id) DO UPDATE").
		Set("body = EXCLUDED.body").
		Set("score = EXCLUDED.score").
		Set("flags = EXCLUDED.flags").
		Set("updated_at = EXCLUDED.updated_at").
		Where("d.status = ?", string(campaign.DraftUnreviewed)).
		Where("d.edit_count = 0").
		Returning("*").
		Scan(ctx)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		kept := new(draftRow)
		if err := s.db.NewSelect().Model(kept).Where("d.prospect_id = ?", d.ProspectID).Scan(ctx); err != nil {
			return nil, 0, fmt.Errorf("load kept draft of prospect %s: %w", d.ProspectID, mapErr(err))
		}
		out, err := kept.draft()
		return out, campaign.Kept, err
	case err != nil:
		return nil, 0, fmt.Errorf("upsert draft for prospect %s: %w", d.ProspectID, mapErr(err))
	}
	out, err := row.draft()
	if err != nil {
		return nil, 0, err
	}
	if row.ID == d.ID {
		return out, campaign.Inserted, nil
	}
	return out, campaign.Updated, nil
}

// Get returns the draft with the given ID.
func (s *Drafts) Get(ctx context.Context, id string) (*campaign.Draft, error) {
	row := new(draftRow)
	if err := s.db.NewSelect().Model(row).Where("d.id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load draft %s: %w", id, mapErr(err))
	}
	return row.draft()
}

// List returns the campaign's drafts by ascending ID, only those with
// status unless it is empty, p.Limit at a time (default 50, at most 1000).
func (s *Drafts) List(ctx context.Context, campaignID string, status campaign.DraftStatus, p storage.ListParams) (storage.Page[campaign.Draft], error) {
	var page storage.Page[campaign.Draft]
	after, err := decodeCursor(draftCursorTag, p.Cursor)
	if err != nil {
		return page, fmt.Errorf("list drafts: %w", err)
	}
	limit := pageSize(p.Limit)
	var rows []draftRow
	q := s.db.NewSelect().Model(&rows).Where("d.campaign_id = ?", campaignID).
		OrderExpr("d.id ASC").Limit(int64(limit + 1))
	if status != "" {
		q = q.Where("d.status = ?", string(status))
	}
	if after != "" {
		q = q.Where("d.id > ?", after)
	}
	if err := q.Scan(ctx); err != nil {
		return page, fmt.Errorf("list drafts of campaign %s: %w", campaignID, mapErr(err))
	}
	page.Items = make([]campaign.Draft, 0, min(len(rows), limit))
	for i := range rows[:min(len(rows), limit)] {
		d, err := rows[i].draft()
		if err != nil {
			return storage.Page[campaign.Draft]{}, fmt.Errorf("list drafts: %w", err)
		}
		page.Items = append(page.Items, *d)
	}
	if len(rows) > limit {
		page.NextCursor = encodeCursor(draftCursorTag, rows[limit-1].ID)
	}
	return page, nil
}

// Update loads the draft, applies fn and saves the result in one
// transaction holding the row (FOR UPDATE on PostgreSQL, the write lock of
// BEGIN IMMEDIATE on SQLite), so concurrent reviews queue and the second
// one sees the first one's status. An error from fn rolls back and is
// returned as is. fn must not change the ID, campaign or prospect.
func (s *Drafts) Update(ctx context.Context, id string, fn func(*campaign.Draft) error) (*campaign.Draft, error) {
	var out *campaign.Draft
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row := new(draftRow)
		q := tx.NewSelect().Model(row).Where("d.id = ?", id)
		if tx.Dialect().Name() == dialect.PG {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("load draft %s: %w", id, mapErr(err))
		}
		d, err := row.draft()
		if err != nil {
			return err
		}
		if err := fn(d); err != nil {
			return err
		}
		if d.ID != id || d.CampaignID != row.CampaignID || d.ProspectID != row.ProspectID {
			return fmt.Errorf("update draft %s: the update changed its ID, campaign or prospect", id)
		}
		saved, err := newDraftRow(d)
		if err != nil {
			return fmt.Errorf("update draft %s: %w", id, err)
		}
		saved.CreatedAt = row.CreatedAt
		if _, err := tx.NewUpdate().Model(saved).WherePK().
			ExcludeColumn("id", "campaign_id", "prospect_id", "created_at").Exec(ctx); err != nil {
			return fmt.Errorf("save draft %s: %w", id, mapErr(err))
		}
		out, err = saved.draft()
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Others returns every draft of the campaign but the one of
// excludeProspectID, by ascending ID.
func (s *Drafts) Others(ctx context.Context, campaignID, excludeProspectID string) ([]campaign.Draft, error) {
	var rows []draftRow
	if err := s.db.NewSelect().Model(&rows).
		Where("d.campaign_id = ?", campaignID).
		Where("d.prospect_id <> ?", excludeProspectID).
		OrderExpr("d.id ASC").Scan(ctx); err != nil {
		return nil, fmt.Errorf("list other drafts of campaign %s: %w", campaignID, mapErr(err))
	}
	out := make([]campaign.Draft, 0, len(rows))
	for i := range rows {
		d, err := rows[i].draft()
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// exportRow is one row of ListApproved's join.
type exportRow struct {
	DraftID    string    `bun:"draft_id"`
	Body       string    `bun:"body"`
	PostURL    string    `bun:"post_url"`
	PostTitle  string    `bun:"post_title"`
	Site       string    `bun:"site"`
	ApprovedAt time.Time `bun:"approved_at"`
	ReviewedBy string    `bun:"reviewed_by"`
}

// ListApproved returns the campaign's approved drafts joined with their
// prospects, in order of approval.
func (s *Drafts) ListApproved(ctx context.Context, campaignID string) ([]campaign.ExportRow, error) {
	var rows []exportRow
	if err := s.db.NewSelect().
		TableExpr("kpbot_drafts AS d").
		Join("JOIN kpbot_prospects AS p ON p.id = d.prospect_id").
		ColumnExpr("d.id AS draft_id, d.body, p.url AS post_url, p.title AS post_title, p.site").
		ColumnExpr("d.reviewed_at AS approved_at, COALESCE(d.reviewed_by, '') AS reviewed_by").
		Where("d.campaign_id = ?", campaignID).
		Where("d.status = ?", string(campaign.DraftApproved)).
		OrderExpr("d.reviewed_at ASC, d.id ASC").
		Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("list approved drafts of campaign %s: %w", campaignID, mapErr(err))
	}
	out := make([]campaign.ExportRow, len(rows))
	for i, r := range rows {
		out[i] = campaign.ExportRow{
			DraftID: r.DraftID, Body: r.Body, PostURL: r.PostURL, PostTitle: r.PostTitle,
			Site: r.Site, ApprovedAt: dbTime(r.ApprovedAt), ReviewedBy: r.ReviewedBy,
		}
	}
	return out, nil
}

// CountSince counts the campaign's drafts created at or after since.
func (s *Drafts) CountSince(ctx context.Context, campaignID string, since time.Time) (int, error) {
	n, err := s.db.NewSelect().Model((*draftRow)(nil)).
		Where("d.campaign_id = ?", campaignID).
		Where("d.created_at >= ?", dbTime(since)).
		Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count drafts of campaign %s: %w", campaignID, mapErr(err))
	}
	return int(n), nil
}

// DraftedURLs returns the canonical URLs of the campaign's prospects that
// have a draft, so a resumed run skips them.
func (s *Drafts) DraftedURLs(ctx context.Context, campaignID string) ([]string, error) {
	var urls []string
	err := s.db.NewSelect().
		TableExpr("kpbot_drafts AS d").
		Join("JOIN kpbot_prospects AS p ON p.id = d.prospect_id").
		ColumnExpr("p.canonical_url").
		Where("d.campaign_id = ?", campaignID).
		OrderExpr("p.canonical_url ASC").
		Scan(ctx, &urls)
	if err != nil {
		return nil, fmt.Errorf("list drafted prospects of campaign %s: %w", campaignID, mapErr(err))
	}
	return urls, nil
}
