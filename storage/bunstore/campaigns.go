package bunstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// Campaigns keeps campaigns in kpbot_campaigns.
type Campaigns struct {
	db bun.IDB
}

var _ campaign.CampaignStore = (*Campaigns)(nil)

// NewCampaigns returns a CampaignStore over db, a *bun.DB or a bun.Tx.
func NewCampaigns(db bun.IDB) *Campaigns { return &Campaigns{db: db} }

// NewCampaignStores returns the campaign, prospect and draft stores over
// db, as the campaign services take them.
func NewCampaignStores(db bun.IDB) campaign.Stores {
	return campaign.Stores{Campaigns: NewCampaigns(db), Prospects: NewProspects(db), Drafts: NewDrafts(db)}
}

// Create inserts c; a duplicate ID is storage.ErrConflict.
func (s *Campaigns) Create(ctx context.Context, c *campaign.Campaign) error {
	row, err := newCampaignRow(c)
	if err != nil {
		return fmt.Errorf("create campaign %s: %w", c.ID, err)
	}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("create campaign %s: %w", c.ID, mapErr(err))
	}
	return nil
}

// Get returns the campaign with the given ID.
func (s *Campaigns) Get(ctx context.Context, id string) (*campaign.Campaign, error) {
	row := new(campaignRow)
	if err := s.db.NewSelect().Model(row).Where("c.id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load campaign %s: %w", id, mapErr(err))
	}
	return row.campaign()
}

// List returns campaigns newest first (descending UUIDv7 ID), ownerID's
// only unless ownerID is empty, p.Limit at a time (default 50, at most
// 1000) after the campaign p.Cursor names.
func (s *Campaigns) List(ctx context.Context, ownerID string, p storage.ListParams) (storage.Page[campaign.Campaign], error) {
	var page storage.Page[campaign.Campaign]
	after, err := decodeCursor(campaignCursorTag, p.Cursor)
	if err != nil {
		return page, fmt.Errorf("list campaigns: %w", err)
	}
	limit := pageSize(p.Limit)
	var rows []campaignRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("c.id DESC").Limit(int64(limit + 1))
	if ownerID != "" {
		q = q.Where("c.owner_id = ?", ownerID)
	}
	if after != "" {
		q = q.Where("c.id < ?", after)
	}
	if err := q.Scan(ctx); err != nil {
		return page, fmt.Errorf("list campaigns: %w", mapErr(err))
	}
	page.Items = make([]campaign.Campaign, 0, min(len(rows), limit))
	for i := range rows[:min(len(rows), limit)] {
		c, err := rows[i].campaign()
		if err != nil {
			return storage.Page[campaign.Campaign]{}, fmt.Errorf("list campaigns: %w", err)
		}
		page.Items = append(page.Items, *c)
	}
	if len(rows) > limit {
		page.NextCursor = encodeCursor(campaignCursorTag, rows[limit-1].ID)
	}
	return page, nil
}

// Update loads the campaign, applies fn and saves the result in one
// transaction holding the row (FOR UPDATE on PostgreSQL, the write lock of
// BEGIN IMMEDIATE on SQLite). An error from fn rolls back and is returned
// as is. fn must not change the ID or the owner.
func (s *Campaigns) Update(ctx context.Context, id string, fn func(*campaign.Campaign) error) (*campaign.Campaign, error) {
	var out *campaign.Campaign
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row := new(campaignRow)
		q := tx.NewSelect().Model(row).Where("c.id = ?", id)
		if tx.Dialect().Name() == dialect.PG {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("load campaign %s: %w", id, mapErr(err))
		}
		c, err := row.campaign()
		if err != nil {
			return err
		}
		if err := fn(c); err != nil {
			return err
		}
		if c.ID != id || c.OwnerID != row.OwnerID {
			return fmt.Errorf("update campaign %s: the update changed its ID or owner", id)
		}
		saved, err := newCampaignRow(c)
		if err != nil {
			return fmt.Errorf("update campaign %s: %w", id, err)
		}
		saved.CreatedAt = row.CreatedAt
		if _, err := tx.NewUpdate().Model(saved).WherePK().
			ExcludeColumn("id", "owner_id", "created_at").Exec(ctx); err != nil {
			return fmt.Errorf("save campaign %s: %w", id, mapErr(err))
		}
		out, err = saved.campaign()
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Delete removes the campaign; its prospects, drafts and runs go with it
// (ON DELETE CASCADE). An unknown ID is storage.ErrNotFound.
func (s *Campaigns) Delete(ctx context.Context, id string) error {
	res, err := s.db.NewDelete().Model((*campaignRow)(nil)).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete campaign %s: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("delete campaign %s: %w", id, storage.ErrNotFound)
	}
	return nil
}
