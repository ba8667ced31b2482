package campaign

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kpbot/kpbot/agents"
)

// CampaignStatus is a campaign's own status. An archived campaign keeps
// its prospects and drafts but is not meant to start new runs; PATCH moves
// it back and forth. A draft's status is DraftStatus.
type CampaignStatus string

// The campaign statuses; the strings are the API's.
const (
	CampaignActive   CampaignStatus = "active"
	CampaignArchived CampaignStatus = "archived"
)

// Valid reports whether s is one of the two statuses.
func (s CampaignStatus) Valid() bool { return s == CampaignActive || s == CampaignArchived }

// Bounds and defaults New and Patch enforce.
const (
	MaxNameChars         = 200
	MaxKeywords          = 50
	MaxKeywordChars      = 100
	MaxTopics            = 50
	MaxTopicChars        = 100
	MaxSeedURLs          = 100
	MaxURLChars          = 2048
	MaxProspectsLimit    = 500
	MaxToneChars         = 50
	MaxLanguageChars     = 16
	MaxGuidelinesChars   = 2000
	DefaultLanguage      = AnyLanguage
	DefaultTone          = "friendly"
	DefaultDailyDrafts   = 100
	MaxDailyDraftsLimit  = 10000
	MaxRejectReasonChars = 500
)

// AnyLanguage is the campaign language that keeps posts in every
// language; drafts are then written in each post's own language.
const AnyLanguage = "any"

// Tones are the suggested tones; any other free text of at most
// MaxToneChars characters is accepted as well.
var Tones = []string{"friendly", "professional", "casual", "enthusiastic", "thoughtful", "neutral"}

// Campaign is one outreach campaign of one owner.
type Campaign struct {
	ID                string
	OwnerID           string
	Name              string
	Keywords          []string // 1..50, trimmed, unique case-insensitively
	SeedURLs          []string // absolute http(s) URLs
	Topics            []string
	Language          string // BCP 47-like tag of the posts to keep and the drafts; AnyLanguage (the default) keeps every post and drafts in each post's language
	Tone              string // one of Tones or free text, default "friendly"
	MaxProspects      int    // prospects a run keeps, 1..500, default agents.DefaultMaxProspects (50)
	CommentGuidelines string
	AllowLinks        bool // whether drafts may contain links
	DailyDraftLimit   int  // drafts the crew may write per day, default 100
	Status            CampaignStatus
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// CreateInput is a new campaign as a client sends it. Zero values take
// the defaults: MaxProspects 50, Language "any", Tone "friendly",
// DailyDraftLimit 100.
type CreateInput struct {
	Name              string
	Keywords          []string
	SeedURLs          []string
	Topics            []string
	Language          string
	Tone              string
	MaxProspects      int
	CommentGuidelines string
	AllowLinks        bool
	DailyDraftLimit   int
}

// PatchInput changes a campaign; nil fields stay as they are. A non-nil
// field is validated as in CreateInput but takes no default: an empty
// Language or Tone, or a zero MaxProspects, is a validation error.
type PatchInput struct {
	Name              *string
	Keywords          *[]string
	SeedURLs          *[]string
	Topics            *[]string
	Language          *string
	Tone              *string
	MaxProspects      *int
	CommentGuidelines *string
	AllowLinks        *bool
	DailyDraftLimit   *int
	Status            *CampaignStatus // CampaignActive or CampaignArchived
}

// New validates in and returns an active campaign of owner with a fresh
// UUIDv7 ID, created at now. Invalid fields are reported as
// *ValidationError values (all of them, joined).
func New(owner string, in CreateInput, now time.Time) (*Campaign, error) {
	if owner == "" {
		return nil, fmt.Errorf("new campaign: empty owner")
	}
	if in.MaxProspects == 0 {
		in.MaxProspects = agents.DefaultMaxProspects // the crew's default, so a zero brief and a new campaign agree
	}
	if in.Language == "" {
		in.Language = DefaultLanguage
	}
	if in.Tone == "" {
		in.Tone = DefaultTone
	}
	if in.DailyDraftLimit == 0 {
		in.DailyDraftLimit = DefaultDailyDrafts
	}
	var errs fieldErrors
	c := &Campaign{
		ID:                uuid.Must(uuid.NewV7()).String(),
		OwnerID:           owner,
		Name:              normalizeName(in.Name, &errs),
		Keywords:          normalizeTerms("keywords", in.Keywords, 1, MaxKeywords, MaxKeywordChars, &errs),
		SeedURLs:          normalizeURLs("seed_urls", in.SeedURLs, MaxSeedURLs, &errs),
		Topics:            normalizeTerms("topics", in.Topics, 0, MaxTopics, MaxTopicChars, &errs),
		Language:          normalizeLanguage(in.Language, &errs),
		Tone:              normalizeTone(in.Tone, &errs),
		MaxProspects:      checkRange("max_prospects", in.MaxProspects, 1, MaxProspectsLimit, &errs),
		CommentGuidelines: normalizeGuidelines(in.CommentGuidelines, &errs),
		AllowLinks:        in.AllowLinks,
		DailyDraftLimit:   checkRange("daily_draft_limit", in.DailyDraftLimit, 1, MaxDailyDraftsLimit, &errs),
		Status:            CampaignActive,
		CreatedAt:         now.UTC(),
		UpdatedAt:         now.UTC(),
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// Patch applies in to c and sets UpdatedAt to now. It validates every
// given field first and changes nothing when one is invalid.
func (c *Campaign) Patch(in PatchInput, now time.Time) error {
	var errs fieldErrors
	next := *c
	if in.Name != nil {
		next.Name = normalizeName(*in.Name, &errs)
	}
	if in.Keywords != nil {
		next.Keywords = normalizeTerms("keywords", *in.Keywords, 1, MaxKeywords, MaxKeywordChars, &errs)
	}
	if in.SeedURLs != nil {
		next.SeedURLs = normalizeURLs("seed_urls", *in.SeedURLs, MaxSeedURLs, &errs)
	}
	if in.Topics != nil {
		next.Topics = normalizeTerms("topics", *in.Topics, 0, MaxTopics, MaxTopicChars, &errs)
	}
	if in.Language != nil {
		next.Language = normalizeLanguage(*in.Language, &errs)
	}
	if in.Tone != nil {
		next.Tone = normalizeTone(*in.Tone, &errs)
	}
	if in.MaxProspects != nil {
		next.MaxProspects = checkRange("max_prospects", *in.MaxProspects, 1, MaxProspectsLimit, &errs)
	}
	if in.CommentGuidelines != nil {
		next.CommentGuidelines = normalizeGuidelines(*in.CommentGuidelines, &errs)
	}
	if in.AllowLinks != nil {
		next.AllowLinks = *in.AllowLinks
	}
	if in.DailyDraftLimit != nil {
		next.DailyDraftLimit = checkRange("daily_draft_limit", *in.DailyDraftLimit, 1, MaxDailyDraftsLimit, &errs)
	}
	if in.Status != nil {
		if in.Status.Valid() {
			next.Status = *in.Status
		} else {
			errs.add("status", "must be %q or %q", CampaignActive, CampaignArchived)
		}
	}
	if err := errs.err(); err != nil {
		return err
	}
	next.UpdatedAt = now.UTC()
	*c = next
	return nil
}
