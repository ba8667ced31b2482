package campaign

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"
)

// How a prospect takes comments; the same names agents/web reports.
const (
	CommentsWordPress = "wordpress" // WordPress comment form
	CommentsDisqus    = "disqus"    // Disqus embed
	CommentsNative    = "native"    // the site's own comment form
	CommentsOther     = "other"     // another embed (giscus, utterances, ...)
	CommentsNone      = "none"      // no comment system found
)

// Bounds SaveProspect enforces on what the crew found.
const (
	MaxTitleChars   = 1000
	MaxAuthorChars  = 300
	MaxSiteChars    = 300
	MaxSummaryChars = 5000
	MaxTextBytes    = 1 << 20
)

// Prospect is one blog post found for a campaign. It is unique per
// (CampaignID, CanonicalURL): finding the same post again updates it.
type Prospect struct {
	ID              string
	CampaignID      string
	URL             string // the URL it was found at
	CanonicalURL    string // the deduplication key within the campaign
	Site            string
	Title           string
	Author          string
	PublishedAt     *time.Time
	Summary         string
	Text            string // main text; left empty by list queries
	Relevance       float64
	AcceptsComments bool
	CommentSystem   string // one of the Comments* constants
	RunID           string // the run that last saved it; "" when unknown
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// check normalizes and validates a prospect the crew is about to save.
func (p *Prospect) check() error {
	var errs fieldErrors
	if p.CampaignID == "" {
		errs.add("campaign_id", "must not be empty")
	}
	p.URL = strings.TrimSpace(p.URL)
	if msg := checkHTTPURL(p.URL); msg != "" {
		errs.add("url", "%s", msg)
	}
	p.CanonicalURL = strings.TrimSpace(p.CanonicalURL)
	if p.CanonicalURL == "" {
		p.CanonicalURL = p.URL
	}
	if msg := checkHTTPURL(p.CanonicalURL); msg != "" {
		errs.add("canonical_url", "%s", msg)
	}
	for _, f := range []struct {
		name  string
		value *string
		max   int
	}{
		{"site", &p.Site, MaxSiteChars},
		{"title", &p.Title, MaxTitleChars},
		{"author", &p.Author, MaxAuthorChars},
		{"summary", &p.Summary, MaxSummaryChars},
	} {
		*f.value = strings.ToValidUTF8(strings.TrimSpace(*f.value), "\uFFFD")
		if utf8.RuneCountInString(*f.value) > f.max {
			errs.add(f.name, "must be at most %d characters", f.max)
		}
	}
	p.Text = strings.ToValidUTF8(p.Text, "\uFFFD")
	if len(p.Text) > MaxTextBytes {
		errs.add("text", "must be at most %d bytes", MaxTextBytes)
	}
	if math.IsNaN(p.Relevance) || math.IsInf(p.Relevance, 0) {
		errs.add("relevance", "must be a finite number")
	}
	switch p.CommentSystem {
	case "":
		p.CommentSystem = CommentsNone
	case CommentsWordPress, CommentsDisqus, CommentsNative, CommentsOther, CommentsNone:
	default:
		errs.add("comment_system", "must be one of %s, %s, %s, %s, %s",
			CommentsWordPress, CommentsDisqus, CommentsNative, CommentsOther, CommentsNone)
	}
	if p.PublishedAt != nil {
		t := p.PublishedAt.UTC()
		p.PublishedAt = &t
	}
	if err := errs.err(); err != nil {
		return fmt.Errorf("prospect %s: %w", p.CanonicalURL, err)
	}
	return nil
}
