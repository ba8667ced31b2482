package bunstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/campaign"
)

// campaignRow is a row of kpbot_campaigns. Lists are JSON text columns,
// the same on SQLite and PostgreSQL.
type campaignRow struct {
	bun.BaseModel `bun:"table:kpbot_campaigns,alias:c"`

	ID                string    `bun:"id,pk"`
	OwnerID           string    `bun:"owner_id"`
	Name              string    `bun:"name"`
	Keywords          string    `bun:"keywords"`
	SeedURLs          string    `bun:"seed_urls"`
	Topics            string    `bun:"topics"`
	Language          string    `bun:"language"`
	Tone              string    `bun:"tone"`
	MaxProspects      int       `bun:"max_prospects"`
	CommentGuidelines string    `bun:"comment_guidelines"`
	AllowLinks        bool      `bun:"allow_links"`
	DailyDraftLimit   int       `bun:"daily_draft_limit"`
	Status            string    `bun:"status"`
	CreatedAt         time.Time `bun:"created_at"`
	UpdatedAt         time.Time `bun:"updated_at"`
}

// prospectRow is a row of kpbot_prospects.
type prospectRow struct {
	bun.BaseModel `bun:"table:kpbot_prospects,alias:p"`

	ID              string     `bun:"id,pk"`
	CampaignID      string     `bun:"campaign_id"`
	URL             string     `bun:"url"`
	CanonicalURL    string     `bun:"canonical_url"`
	Site            string     `bun:"site"`
	Title           string     `bun:"title"`
	Author          string     `bun:"author"`
	PublishedAt     *time.Time `bun:"published_at"`
	Summary         string     `bun:"summary"`
	Text            string     `bun:"main_text"`
	Relevance       float64    `bun:"relevance"`
	AcceptsComments bool       `bun:"accepts_comments"`
	CommentSystem   string     `bun:"comment_system"`
	Language        string     `bun:"language"`
	Dir             string     `bun:"dir"`
	RunID           string     `bun:"run_id"`
	CreatedAt       time.Time  `bun:"created_at"`
	UpdatedAt       time.Time  `bun:"updated_at"`
}

// draftRow is a row of kpbot_drafts. EditCount mirrors len(Edits) so the
// upsert can tell a person's edit in SQL.
type draftRow struct {
	bun.BaseModel `bun:"table:kpbot_drafts,alias:d"`

	ID           string     `bun:"id,pk"`
	CampaignID   string     `bun:"campaign_id"`
	ProspectID   string     `bun:"prospect_id"`
	Body         string     `bun:"body"`
	Status       string     `bun:"status"`
	Score        int        `bun:"score"`
	Flags        string     `bun:"flags"`
	ReviewedBy   *string    `bun:"reviewed_by"`
	ReviewedAt   *time.Time `bun:"reviewed_at"`
	RejectReason string     `bun:"reject_reason"`
	Edits        string     `bun:"edits"`
	EditCount    int        `bun:"edit_count"`
	CreatedAt    time.Time  `bun:"created_at"`
	UpdatedAt    time.Time  `bun:"updated_at"`
}

// jsonList encodes a list for a JSON text column; nil is "[]".
func jsonList[T any](v []T) (string, error) {
	if v == nil {
		v = []T{}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode list: %w", err)
	}
	return string(b), nil
}

// parseList decodes a JSON text column; an empty list is nil.
func parseList[T any](s, column string) ([]T, error) {
	var v []T
	if s == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", column, err)
	}
	if len(v) == 0 {
		return nil, nil
	}
	return v, nil
}

func newCampaignRow(c *campaign.Campaign) (*campaignRow, error) {
	kw, err := jsonList(c.Keywords)
	if err != nil {
		return nil, err
	}
	seeds, err := jsonList(c.SeedURLs)
	if err != nil {
		return nil, err
	}
	topics, err := jsonList(c.Topics)
	if err != nil {
		return nil, err
	}
	return &campaignRow{
		ID: c.ID, OwnerID: c.OwnerID, Name: c.Name,
		Keywords: kw, SeedURLs: seeds, Topics: topics,
		Language: c.Language, Tone: c.Tone, MaxProspects: c.MaxProspects,
		CommentGuidelines: c.CommentGuidelines, AllowLinks: c.AllowLinks,
		DailyDraftLimit: c.DailyDraftLimit, Status: string(c.Status),
		CreatedAt: dbTime(c.CreatedAt), UpdatedAt: dbTime(c.UpdatedAt),
	}, nil
}

func (r *campaignRow) campaign() (*campaign.Campaign, error) {
	kw, err := parseList[string](r.Keywords, "keywords")
	if err != nil {
		return nil, fmt.Errorf("campaign %s: %w", r.ID, err)
	}
	seeds, err := parseList[string](r.SeedURLs, "seed_urls")
	if err != nil {
		return nil, fmt.Errorf("campaign %s: %w", r.ID, err)
	}
	topics, err := parseList[string](r.Topics, "topics")
	if err != nil {
		return nil, fmt.Errorf("campaign %s: %w", r.ID, err)
	}
	return &campaign.Campaign{
		ID: r.ID, OwnerID: r.OwnerID, Name: r.Name,
		Keywords: kw, SeedURLs: seeds, Topics: topics,
		Language: r.Language, Tone: r.Tone, MaxProspects: r.MaxProspects,
		CommentGuidelines: r.CommentGuidelines, AllowLinks: r.AllowLinks,
		DailyDraftLimit: r.DailyDraftLimit, Status: campaign.CampaignStatus(r.Status),
		CreatedAt: dbTime(r.CreatedAt), UpdatedAt: dbTime(r.UpdatedAt),
	}, nil
}

func newProspectRow(p *campaign.Prospect) *prospectRow {
	return &prospectRow{
		ID: p.ID, CampaignID: p.CampaignID, URL: p.URL, CanonicalURL: p.CanonicalURL,
		Site: p.Site, Title: p.Title, Author: p.Author, PublishedAt: utcPtr(p.PublishedAt),
		Summary: p.Summary, Text: p.Text, Relevance: p.Relevance,
		AcceptsComments: p.AcceptsComments, CommentSystem: p.CommentSystem, RunID: p.RunID,
		Language: p.Language, Dir: p.Dir,
		CreatedAt: dbTime(p.CreatedAt), UpdatedAt: dbTime(p.UpdatedAt),
	}
}

func (r *prospectRow) prospect() *campaign.Prospect {
	return &campaign.Prospect{
		ID: r.ID, CampaignID: r.CampaignID, URL: r.URL, CanonicalURL: r.CanonicalURL,
		Site: r.Site, Title: r.Title, Author: r.Author, PublishedAt: utcPtr(r.PublishedAt),
		Summary: r.Summary, Text: r.Text, Relevance: r.Relevance,
		AcceptsComments: r.AcceptsComments, CommentSystem: r.CommentSystem, RunID: r.RunID,
		Language: r.Language, Dir: r.Dir,
		CreatedAt: dbTime(r.CreatedAt), UpdatedAt: dbTime(r.UpdatedAt),
	}
}

func newDraftRow(d *campaign.Draft) (*draftRow, error) {
	flags, err := jsonList(d.Flags)
	if err != nil {
		return nil, err
	}
	edits := make([]campaign.Edit, len(d.Edits))
	for i, e := range d.Edits {
		e.At = dbTime(e.At)
		edits[i] = e
	}
	editsJSON, err := jsonList(edits)
	if err != nil {
		return nil, err
	}
	var by *string
	if d.ReviewedBy != nil {
		s := *d.ReviewedBy
		by = &s
	}
	return &draftRow{
		ID: d.ID, CampaignID: d.CampaignID, ProspectID: d.ProspectID,
		Body: d.Body, Status: string(d.Status), Score: d.Score, Flags: flags,
		ReviewedBy: by, ReviewedAt: utcPtr(d.ReviewedAt), RejectReason: d.RejectReason,
		Edits: editsJSON, EditCount: len(d.Edits),
		CreatedAt: dbTime(d.CreatedAt), UpdatedAt: dbTime(d.UpdatedAt),
	}, nil
}

func (r *draftRow) draft() (*campaign.Draft, error) {
	flags, err := parseList[string](r.Flags, "flags")
	if err != nil {
		return nil, fmt.Errorf("draft %s: %w", r.ID, err)
	}
	edits, err := parseList[campaign.Edit](r.Edits, "edits")
	if err != nil {
		return nil, fmt.Errorf("draft %s: %w", r.ID, err)
	}
	for i := range edits {
		edits[i].At = dbTime(edits[i].At)
	}
	return &campaign.Draft{
		ID: r.ID, CampaignID: r.CampaignID, ProspectID: r.ProspectID,
		Body: r.Body, Status: campaign.DraftStatus(r.Status), Score: r.Score, Flags: flags,
		ReviewedBy: r.ReviewedBy, ReviewedAt: utcPtr(r.ReviewedAt), RejectReason: r.RejectReason,
		Edits: edits, CreatedAt: dbTime(r.CreatedAt), UpdatedAt: dbTime(r.UpdatedAt),
	}, nil
}

// Cursor tags of the campaign-area lists (see cursor.go).
const (
	campaignCursorTag = "c1:"
	prospectCursorTag = "p1:"
	draftCursorTag    = "d1:"
)
