package campaign

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// How a prospect takes comments; the same names agents/web reports.
const (
	CommentsWordPress  = "wordpress"  // WordPress comment form
	CommentsDisqus     = "disqus"     // Disqus embed
	CommentsFacebook   = "facebook"   // Facebook Comments plugin
	CommentsGiscus     = "giscus"     // giscus
	CommentsUtterances = "utterances" // utterances
	CommentsCommento   = "commento"   // Commento
	CommentsHyvor      = "hyvor"      // Hyvor Talk
	CommentsRemark42   = "remark42"   // Remark42
	CommentsDiscourse  = "discourse"  // an embedded Discourse topic
	CommentsGhost      = "ghost"      // Ghost's native comments
	CommentsSubstack   = "substack"   // Substack's native comments
	CommentsBlogger    = "blogger"    // Blogger's comment form
	CommentsNative     = "native"     // the site's own comment form
	CommentsOther      = "other"      // another embed
	CommentsNone       = "none"       // no comment system found
)

// commentSystems are the values a prospect's CommentSystem may take.
func commentSystems() []string {
	return []string{CommentsWordPress, CommentsDisqus, CommentsFacebook, CommentsGiscus, CommentsUtterances,
		CommentsCommento, CommentsHyvor, CommentsRemark42, CommentsDiscourse, CommentsGhost, CommentsSubstack,
		CommentsBlogger, CommentsNative, CommentsOther, CommentsNone}
}

// Text directions of a prospect's post.
const (
	DirLTR = "ltr"
	DirRTL = "rtl"
)

// MaxProspectLanguageChars bounds a prospect's language tag (BCP 47
// tags are rarely longer than 35 characters).
const MaxProspectLanguageChars = 35

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
	Language        string // the post's language tag ("en", "fr-CA"), "" when unknown
	Dir             string // the post's text direction, DirLTR or DirRTL, "" when unknown
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
	switch {
	case p.CommentSystem == "":
		p.CommentSystem = CommentsNone
	case slices.Contains(commentSystems(), p.CommentSystem):
	default:
		errs.add("comment_system", "must be one of %s", strings.Join(commentSystems(), ", "))
	}
	p.Language = strings.TrimSpace(p.Language)
	if msg := checkLanguageTag(p.Language); msg != "" {
		errs.add("language", "%s", msg)
	}
	p.Dir = strings.ToLower(strings.TrimSpace(p.Dir))
	if p.Dir != "" && p.Dir != DirLTR && p.Dir != DirRTL {
		errs.add("dir", "must be %s, %s or empty", DirLTR, DirRTL)
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

// checkLanguageTag accepts "" or a tag shaped like BCP 47: letters,
// digits and hyphens (or underscores), starting with 2 to 8 letters.
func checkLanguageTag(tag string) string {
	if tag == "" {
		return ""
	}
	if len(tag) > MaxProspectLanguageChars {
		return fmt.Sprintf("must be at most %d characters", MaxProspectLanguageChars)
	}
	for i, part := range strings.FieldsFunc(tag, func(r rune) bool { return r == '-' || r == '_' }) {
		for _, r := range part {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
				return "must be a language tag such as en or pt-BR"
			}
		}
		if i == 0 && (len(part) < 2 || len(part) > 8) {
			return "must be a language tag such as en or pt-BR"
		}
	}
	return ""
}
