package bunstore

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

var _ campaign.ProspectQuerier = (*Prospects)(nil)

// prospectQueryCursorTag starts the cursors of sorted prospect listings.
const prospectQueryCursorTag = "pq1:"

// prospectQueryCursor is the position after the last row of a page: its
// sort key and ID, for the sort it was made for.
type prospectQueryCursor struct {
	Sort  campaign.ProspectSort `json:"s"`
	Desc  bool                  `json:"d,omitempty"`
	Title string                `json:"t,omitempty"`
	Rel   float64               `json:"r,omitempty"`
	Pub   time.Time             `json:"p,omitzero"`
	ID    string                `json:"i"`
}

// unknownPublished stands for a missing publication time in the order:
// before every real date.
func unknownPublished() time.Time { return time.Unix(0, 0).UTC() }

// sortExpr is the SQL of a sort key.
func sortExpr(s campaign.ProspectSort) string {
	switch s {
	case campaign.SortTitle:
		return "lower(p.title)"
	case campaign.SortPublished:
		return "COALESCE(p.published_at, ?)"
	case campaign.SortRelevance:
		return "p.relevance"
	}
	return "p.id"
}

// sortArgs are the arguments sortExpr's SQL needs.
func sortArgs(s campaign.ProspectSort) []any {
	if s == campaign.SortPublished {
		return []any{unknownPublished()}
	}
	return nil
}

// Query returns a page of the campaign's prospects matching q, in q's
// order with the ID as tie-breaker (keyset paging: no page overlaps
// another however rows are added), and how many match.
func (s *Prospects) Query(ctx context.Context, campaignID string, q campaign.ProspectQuery) (campaign.ProspectPage, error) {
	var out campaign.ProspectPage
	var after *prospectQueryCursor
	if q.Cursor != "" {
		c, err := decodeProspectCursor(q.Cursor)
		if err != nil {
			return out, fmt.Errorf("query prospects: %w", err)
		}
		if c.Sort != q.Sort || c.Desc != q.Desc {
			return out, fmt.Errorf("query prospects: %w: the cursor belongs to another order", storage.ErrInvalidCursor)
		}
		after = c
	}
	filter := func(sq *bun.SelectQuery) *bun.SelectQuery {
		sq = sq.Where("p.campaign_id = ?", campaignID)
		if q.MinRelevance > 0 {
			sq = sq.Where("p.relevance >= ?", q.MinRelevance)
		}
		if q.AcceptsComments {
			sq = sq.Where("p.accepts_comments = ?", true)
		}
		if q.Search != "" {
			pat := "%" + escapeLike(strings.ToLower(q.Search)) + "%"
			sq = sq.WhereGroup(" AND ", func(g *bun.SelectQuery) *bun.SelectQuery {
				return g.Where(`lower(p.title) LIKE ? ESCAPE '\'`, pat).
					WhereOr(`lower(p.site) LIKE ? ESCAPE '\'`, pat).
					WhereOr(`lower(p.author) LIKE ? ESCAPE '\'`, pat)
			})
		}
		return sq
	}
	total, err := filter(s.db.NewSelect().Model((*prospectRow)(nil))).Count(ctx)
	if err != nil {
		return out, fmt.Errorf("count prospects of campaign %s: %w", campaignID, mapErr(err))
	}
	out.Total = int(total)

	limit := pageSize(q.Limit)
	expr, args := sortExpr(q.Sort), sortArgs(q.Sort)
	dir, cmp := "ASC", ">"
	if q.Desc {
		dir, cmp = "DESC", "<"
	}
	var rows []prospectRow
	sq := filter(s.db.NewSelect().Model(&rows).ExcludeColumn("main_text"))
	if after != nil {
		if q.Sort == campaign.SortFound {
			sq = sq.Where("p.id "+cmp+" ?", after.ID)
		} else {
			// A row-value comparison: one range an index on (key, id) serves.
			sq = sq.Where("("+expr+", p.id) "+cmp+" (?, ?)", append(append([]any{}, args...), after.key(), after.ID)...)
		}
	}
	if q.Sort != campaign.SortFound {
		sq = sq.OrderExpr(expr+" "+dir, args...)
	}
	sq = sq.OrderExpr("p.id " + dir).Limit(int64(limit + 1))
	if err := sq.Scan(ctx); err != nil {
		return out, fmt.Errorf("query prospects of campaign %s: %w", campaignID, mapErr(err))
	}
	out.Items = make([]campaign.Prospect, 0, min(len(rows), limit))
	for i := range rows[:min(len(rows), limit)] {
		out.Items = append(out.Items, *rows[i].prospect())
	}
	if len(rows) > limit {
		last := rows[limit-1]
		c := prospectQueryCursor{Sort: q.Sort, Desc: q.Desc, ID: last.ID}
		switch q.Sort {
		case campaign.SortTitle:
			c.Title = strings.ToLower(last.Title)
		case campaign.SortRelevance:
			c.Rel = last.Relevance
		case campaign.SortPublished:
			c.Pub = unknownPublished()
			if last.PublishedAt != nil {
				c.Pub = last.PublishedAt.UTC()
			}
		}
		out.NextCursor = encodeProspectCursor(c)
	}
	return out, nil
}

// key is the cursor's value of its sort key.
func (c *prospectQueryCursor) key() any {
	switch c.Sort {
	case campaign.SortTitle:
		return c.Title
	case campaign.SortRelevance:
		return c.Rel
	case campaign.SortPublished:
		return c.Pub
	}
	return c.ID
}

func encodeProspectCursor(c prospectQueryCursor) string {
	raw, _ := json.Marshal(c) // plain fields: always encodes
	return base64.RawURLEncoding.EncodeToString(append([]byte(prospectQueryCursorTag), raw...))
}

func decodeProspectCursor(cursor string) (*prospectQueryCursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", storage.ErrInvalidCursor)
	}
	body, ok := strings.CutPrefix(string(raw), prospectQueryCursorTag)
	if !ok {
		// A cursor of the found-order listing (List) continues the same order.
		id, err := decodeCursor(prospectCursorTag, cursor)
		if err != nil {
			return nil, err
		}
		return &prospectQueryCursor{Sort: campaign.SortFound, ID: id}, nil
	}
	var c prospectQueryCursor
	if err := json.Unmarshal([]byte(body), &c); err != nil || c.ID == "" || !c.Sort.Valid() {
		return nil, fmt.Errorf("%w: malformed", storage.ErrInvalidCursor)
	}
	return &c, nil
}

// escapeLike escapes the LIKE wildcards of s with a backslash.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

var _ campaign.ProspectLister = (*Prospects)(nil)

// ByIDs returns the campaign's prospects among ids without their text;
// the primary key serves it.
func (s *Prospects) ByIDs(ctx context.Context, campaignID string, ids []string) ([]campaign.Prospect, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []prospectRow
	if err := s.db.NewSelect().Model(&rows).ExcludeColumn("main_text").
		Where("p.campaign_id = ?", campaignID).
		Where("p.id IN (?)", bun.List(ids)).
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("load prospects of campaign %s: %w", campaignID, mapErr(err))
	}
	out := make([]campaign.Prospect, len(rows))
	for i := range rows {
		out[i] = *rows[i].prospect()
	}
	return out, nil
}
