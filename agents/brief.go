package agents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DefaultMaxProspects is the number of prospects a run keeps when the
// brief's MaxProspects is zero. It is the one default of that number: a
// new campaign takes it too (campaign.New), and the API documents it as
// max_prospects' default.
const DefaultMaxProspects = 50

// Brief is what the crew needs to know about a campaign to run it. The
// campaign domain converts its campaigns into briefs; a run keeps the brief
// it started with, so a resumed run works on the same brief.
type Brief struct {
	CampaignID      string   `json:"campaign_id"`
	OwnerID         string   `json:"owner_id"`
	Keywords        []string `json:"keywords"`
	SeedURLs        []string `json:"seed_urls,omitempty"`
	Topics          []string `json:"topics,omitempty"`
	Language        string   `json:"language,omitempty"`      // BCP 47 tag of the posts to keep; "" or "any": every language
	Tone            string   `json:"tone,omitempty"`          // e.g. "friendly"
	MaxProspects    int      `json:"max_prospects,omitempty"` // 0 means DefaultMaxProspects
	Guidelines      string   `json:"guidelines,omitempty"`    // free-text comment guidelines
	AllowLinks      bool     `json:"allow_links,omitempty"`   // whether comments may contain links
	DailyDraftLimit int      `json:"daily_draft_limit,omitempty"`
}

// ErrInvalidBrief reports a brief the crew cannot run.
var ErrInvalidBrief = errors.New("invalid brief")

// ErrNoSources reports a research whose every source (seed site, search)
// failed, so nothing could be read at all.
var ErrNoSources = errors.New("no source could be read")

// Validate reports a brief without a campaign, owner or keyword.
func (b Brief) Validate() error {
	var problems []string
	if b.CampaignID == "" {
		problems = append(problems, "campaign id is empty")
	}
	if b.OwnerID == "" {
		problems = append(problems, "owner id is empty")
	}
	if len(b.Keywords) == 0 {
		problems = append(problems, "no keywords")
	}
	for i, k := range b.Keywords {
		if strings.TrimSpace(k) == "" {
			problems = append(problems, fmt.Sprintf("keyword %d is empty", i))
		}
	}
	if b.MaxProspects < 0 || b.DailyDraftLimit < 0 {
		problems = append(problems, "negative limit")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalidBrief, strings.Join(problems, "; "))
	}
	return nil
}

// ProspectLimit is MaxProspects with its default applied.
func (b Brief) ProspectLimit() int {
	if b.MaxProspects <= 0 {
		return DefaultMaxProspects
	}
	return b.MaxProspects
}

// Candidate is a post the researcher found but nobody has fetched yet.
type Candidate struct {
	URL       string     `json:"url"` // as published: the URL to fetch
	Title     string     `json:"title,omitempty"`
	Published *time.Time `json:"published,omitempty"`
	Source    string     `json:"source,omitempty"` // feed, sitemap, links or search
}

// ProspectResult is a post the analyst kept: a blog post worth a comment.
// Prospects are keyed by campaign and canonical URL.
type ProspectResult struct {
	CampaignID      string     `json:"campaign_id"`
	URL             string     `json:"url"`           // the URL the post was fetched at
	CanonicalURL    string     `json:"canonical_url"` // the deduplication key
	Site            string     `json:"site"`
	Title           string     `json:"title"`
	Author          string     `json:"author,omitempty"`
	PublishedAt     *time.Time `json:"published_at,omitempty"`
	Summary         string     `json:"summary,omitempty"`
	Text            string     `json:"-"`                  // the main text; never checkpointed
	Language        string     `json:"language,omitempty"` // the post's language tag, "" when unknown
	Dir             string     `json:"dir,omitempty"`      // ltr or rtl
	Relevance       float64    `json:"relevance"`          // 0..1
	AcceptsComments bool       `json:"accepts_comments"`
	CommentSystem   string     `json:"comment_system,omitempty"` // web.Comments* values
	// ProspectID is the id the Sink gave the prospect when it was saved
	// (Sink.SaveProspect); empty until then. It is checkpointed with the
	// analysis output, so a resumed run's drafts carry it too.
	ProspectID string `json:"prospect_id,omitempty"`
}

// Key is the prospect's identity within its campaign: its canonical URL.
func (p ProspectResult) Key() string { return p.CanonicalURL }

// DraftResult is the final draft for one prospect, passed or not: a draft
// that never passed the reviewer is stored with its flags.
type DraftResult struct {
	CampaignID  string   `json:"campaign_id"`
	ProspectKey string   `json:"prospect_key"`          // the prospect's canonical URL
	ProspectID  string   `json:"prospect_id,omitempty"` // the Sink's id of the prospect; empty when unknown
	ProspectURL string   `json:"prospect_url"`
	Body        string   `json:"body"`
	Score       int      `json:"score"` // 0..100
	Flags       []string `json:"flags"`
	Passed      bool     `json:"passed"`
	Reasons     []string `json:"reasons,omitempty"`
	Attempts    int      `json:"attempts"` // drafts written, 1 + retries
	Model       string   `json:"model,omitempty"`
	Usage       Usage    `json:"usage"`
}

// Sink is where a run writes what it found. Writes are idempotent: saving
// a prospect again (same campaign and canonical URL) updates it, and
// saving a draft for a prospect that has one replaces or keeps it; neither
// makes a second record. created reports whether a new record was made.
// Implementations are safe for concurrent use.
type Sink interface {
	// SaveProspect inserts or updates the prospect keyed by its campaign
	// and canonical URL and returns its id (the first one, on an update),
	// which the crew passes back as DraftResult.ProspectID.
	SaveProspect(ctx context.Context, p ProspectResult) (id string, created bool, err error)
	// SaveDraft inserts or updates the draft of the prospect d.ProspectID,
	// or, when that is empty (a run checkpointed before prospects carried
	// their id), of the prospect d.ProspectKey of the campaign.
	SaveDraft(ctx context.Context, d DraftResult) (created bool, err error)
	// ExistingDrafts returns the bodies of the campaign's drafts, for the
	// reviewer's near-duplicate check.
	ExistingDrafts(ctx context.Context, campaignID string) ([]string, error)
	// DraftedProspects returns the keys (canonical URLs) of the campaign's
	// prospects that already have a draft, so a resumed run skips them.
	DraftedProspects(ctx context.Context, campaignID string) (map[string]bool, error)
}

// DraftCounter is an optional Sink capability: when the Sink has it, the
// campaign's daily draft limit counts drafts made since the start of the
// UTC day by any run; without it the limit applies to each run alone.
type DraftCounter interface {
	// DraftsSince counts the campaign's drafts created at or after since.
	DraftsSince(ctx context.Context, campaignID string, since time.Time) (int, error)
}
