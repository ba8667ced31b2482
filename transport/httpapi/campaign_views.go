package httpapi

import (
	"time"

	"github.com/kpbot/kpbot/campaign"
)

// CampaignResponse is a campaign as its owner (or a moderator or admin)
// sees it. List fields are always JSON arrays, never null.
type CampaignResponse struct {
	ID                string    `json:"id" doc:"Opaque campaign id."`
	OwnerID           string    `json:"owner_id" doc:"Id of the user who owns the campaign."`
	Name              string    `json:"name"`
	Keywords          []string  `json:"keywords" nullable:"false" doc:"1..50 keywords, trimmed, unique case-insensitively."`
	SeedURLs          []string  `json:"seed_urls" nullable:"false" doc:"Blogs the crew starts from."`
	Topics            []string  `json:"topics" nullable:"false"`
	Language          string    `json:"language" doc:"Language tag of the posts kept and their drafts, e.g. en or pt-BR; any keeps every language."`
	Tone              string    `json:"tone" doc:"Tone of the drafts."`
	MaxProspects      int       `json:"max_prospects" doc:"Prospects a run keeps."`
	CommentGuidelines string    `json:"comment_guidelines"`
	AllowLinks        bool      `json:"allow_links" doc:"Whether drafts may contain links."`
	DailyDraftLimit   int       `json:"daily_draft_limit" doc:"Drafts the crew may write per UTC day."`
	Status            string    `json:"status" enum:"active,archived"`
	CreatedAt         time.Time `json:"created_at" doc:"RFC 3339, UTC."`
	UpdatedAt         time.Time `json:"updated_at" doc:"RFC 3339, UTC."`
}

func campaignResponse(c *campaign.Campaign) CampaignResponse {
	return CampaignResponse{
		ID: c.ID, OwnerID: c.OwnerID, Name: c.Name,
		Keywords: nonNil(c.Keywords), SeedURLs: nonNil(c.SeedURLs), Topics: nonNil(c.Topics),
		Language: c.Language, Tone: c.Tone, MaxProspects: c.MaxProspects,
		CommentGuidelines: c.CommentGuidelines, AllowLinks: c.AllowLinks,
		DailyDraftLimit: c.DailyDraftLimit, Status: string(c.Status),
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

// CampaignList is a page of campaigns, newest first.
type CampaignList struct {
	Items      []CampaignResponse `json:"items" nullable:"false"`
	NextCursor string             `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last."`
}

// ProspectResponse is a blog post the crew found for a campaign.
type ProspectResponse struct {
	ID              string     `json:"id"`
	URL             string     `json:"url" doc:"The URL the post was found at."`
	Title           string     `json:"title"`
	Site            string     `json:"site"`
	PublishedAt     *time.Time `json:"published_at,omitempty" doc:"When the post was published, if known; RFC 3339, UTC."`
	Relevance       float64    `json:"relevance" doc:"Relevance to the campaign's keywords; higher is more relevant."`
	Summary         string     `json:"summary"`
	AcceptsComments bool       `json:"accepts_comments"`
	CommentSystem   string     `json:"comment_system" enum:"wordpress,disqus,facebook,giscus,utterances,commento,hyvor,remark42,discourse,ghost,substack,blogger,native,other,none" doc:"How the post takes comments: the system found by its own markers (a WordPress form, Disqus, Facebook Comments, giscus, ...), the site's own form, another embed, or none found."`
	Author          string     `json:"author"`
	Language        string     `json:"language" doc:"The post's language tag (en, fr-CA), from its markup or, when that is missing or wrong, its text; empty when unknown."`
	Dir             string     `json:"dir" enum:"ltr,rtl," doc:"The post's text direction; empty when unknown."`
}

func prospectResponse(p *campaign.Prospect) ProspectResponse {
	out := ProspectResponse{
		ID: p.ID, URL: p.URL, Title: p.Title, Site: p.Site, Relevance: p.Relevance,
		Summary: p.Summary, AcceptsComments: p.AcceptsComments, CommentSystem: p.CommentSystem, Author: p.Author,
		Language: p.Language, Dir: p.Dir,
	}
	if p.PublishedAt != nil {
		t := p.PublishedAt.UTC()
		out.PublishedAt = &t
	}
	return out
}

// ProspectList is a page of a campaign's prospects, in the order asked for.
type ProspectList struct {
	Items      []ProspectResponse `json:"items" nullable:"false"`
	NextCursor string             `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last."`
	Total      *int               `json:"total,omitempty" doc:"How many prospects match the filters, on every page."`
}

// CommentResponse is a comment draft and where it stands in review.
type CommentResponse struct {
	ID           string            `json:"id"`
	ProspectID   string            `json:"prospect_id" doc:"The post the comment is for."`
	CampaignID   string            `json:"campaign_id"`
	Body         string            `json:"body"`
	Status       string            `json:"status" enum:"draft,approved,rejected"`
	Score        int               `json:"score" minimum:"0" maximum:"100" doc:"The quality reviewer's score."`
	Flags        []string          `json:"flags" nullable:"false" doc:"The quality reviewer's findings."`
	ReviewedBy   *string           `json:"reviewed_by,omitempty" doc:"Id of the moderator or admin who approved or rejected it."`
	ReviewedAt   *time.Time        `json:"reviewed_at,omitempty" doc:"RFC 3339, UTC."`
	RejectReason string            `json:"reject_reason,omitempty"`
	CreatedAt    time.Time         `json:"created_at" doc:"RFC 3339, UTC."`
	UpdatedAt    time.Time         `json:"updated_at" doc:"RFC 3339, UTC."`
	Prospect     *ProspectResponse `json:"prospect,omitempty" doc:"The post the draft is for (title, summary, ...); in GET /api/campaigns/{id}/comments only."`
}

func commentResponse(d *campaign.Draft) CommentResponse {
	out := CommentResponse{
		ID: d.ID, ProspectID: d.ProspectID, CampaignID: d.CampaignID, Body: d.Body,
		Status: string(d.Status), Score: d.Score, Flags: nonNil(d.Flags),
		ReviewedBy: d.ReviewedBy, RejectReason: d.RejectReason,
		CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(),
	}
	if d.ReviewedAt != nil {
		t := d.ReviewedAt.UTC()
		out.ReviewedAt = &t
	}
	return out
}

// CommentList is a page of a campaign's comment drafts, oldest first.
type CommentList struct {
	Items      []CommentResponse `json:"items" nullable:"false"`
	NextCursor string            `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last."`
}

// nonNil returns s, or an empty slice for nil, so JSON shows [] not null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
