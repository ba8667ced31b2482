package campaign

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DraftStatus is a draft's place in the review workflow: it starts
// unreviewed ("draft") and ends approved or rejected, once. A campaign's
// own status is CampaignStatus.
type DraftStatus string

// The draft statuses; the strings are the API's.
const (
	DraftUnreviewed DraftStatus = "draft" // written by the crew, not reviewed yet; the only editable status
	DraftApproved   DraftStatus = "approved"
	DraftRejected   DraftStatus = "rejected"
)

// Valid reports whether s is one of the three statuses.
func (s DraftStatus) Valid() bool {
	return s == DraftUnreviewed || s == DraftApproved || s == DraftRejected
}

// Bounds on drafts.
const (
	MaxBodyChars   = 5000
	MaxScore       = 100
	MaxFlags       = 32
	MaxFlagChars   = 64
	MaxEditHistory = 50 // older edits are dropped from the history
)

// Edit is one change a person made to a draft's body.
type Edit struct {
	At   time.Time `json:"at"`
	By   string    `json:"by"`   // user ID
	Body string    `json:"body"` // the body before the change
}

// Draft is the comment drafted for one prospect; there is at most one per
// prospect.
type Draft struct {
	ID           string
	CampaignID   string
	ProspectID   string
	Body         string
	Status       DraftStatus
	Score        int      // the reviewer's 0..100 quality score
	Flags        []string // the reviewer's findings
	ReviewedBy   *string  // user ID of the moderator who approved or rejected it
	ReviewedAt   *time.Time
	RejectReason string
	Edits        []Edit // oldest first, at most MaxEditHistory
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Edit replaces the body on behalf of user by and records the previous
// body in the history. Only a draft in DraftUnreviewed is editable
// (ErrNotEditable otherwise); the body is trimmed and must hold 1..5000
// characters.
func (d *Draft) Edit(by, body string, now time.Time) error {
	if d.Status != DraftUnreviewed {
		return fmt.Errorf("edit draft %s (%s): %w", d.ID, d.Status, ErrNotEditable)
	}
	body, err := checkBody(body)
	if err != nil {
		return err
	}
	if body == d.Body {
		return nil
	}
	now = now.UTC()
	d.Edits = append(d.Edits, Edit{At: now, By: by, Body: d.Body})
	if n := len(d.Edits); n > MaxEditHistory {
		d.Edits = append([]Edit(nil), d.Edits[n-MaxEditHistory:]...)
	}
	d.Body = body
	d.UpdatedAt = now
	return nil
}

// Approve marks the draft approved by user by. Only a draft in
// DraftUnreviewed can be reviewed; a second review is ErrAlreadyReviewed.
func (d *Draft) Approve(by string, now time.Time) error {
	return d.review(by, DraftApproved, "", now)
}

// Reject marks the draft rejected by user by with an optional reason of at
// most 500 characters. Only a draft in DraftUnreviewed can be reviewed; a
// second review is ErrAlreadyReviewed.
func (d *Draft) Reject(by, reason string, now time.Time) error {
	reason = strings.TrimSpace(reason)
	if !utf8.ValidString(reason) || hasControl(reason, true) {
		return &ValidationError{Field: "reason", Message: "must be plain text"}
	}
	if utf8.RuneCountInString(reason) > MaxRejectReasonChars {
		return &ValidationError{Field: "reason", Message: fmt.Sprintf("must be at most %d characters", MaxRejectReasonChars)}
	}
	return d.review(by, DraftRejected, reason, now)
}

func (d *Draft) review(by string, to DraftStatus, reason string, now time.Time) error {
	if d.Status != DraftUnreviewed {
		return fmt.Errorf("review draft %s (%s): %w", d.ID, d.Status, ErrAlreadyReviewed)
	}
	now = now.UTC()
	d.Status = to
	d.ReviewedBy = &by
	d.ReviewedAt = &now
	d.RejectReason = reason
	d.UpdatedAt = now
	return nil
}

// DraftInput is a draft the crew wrote for a prospect.
type DraftInput struct {
	CampaignID string
	ProspectID string
	Body       string
	Score      int
	Flags      []string
}

// SaveOutcome tells what SaveDraft did.
type SaveOutcome int

// The outcomes of SaveDraft.
const (
	// Inserted: the prospect had no draft; this one was stored.
	Inserted SaveOutcome = iota + 1
	// Updated: the prospect's draft was still unreviewed and unedited and
	// was replaced.
	Updated
	// Kept: the prospect's draft was reviewed or edited by a person and was
	// left as it is; SaveDraft returns it.
	Kept
)

func (o SaveOutcome) String() string {
	switch o {
	case Inserted:
		return "inserted"
	case Updated:
		return "updated"
	case Kept:
		return "kept"
	}
	return fmt.Sprintf("SaveOutcome(%d)", int(o))
}

// checkBody trims a draft body and checks its length.
func checkBody(body string) (string, error) {
	body = strings.TrimSpace(body)
	switch n := utf8.RuneCountInString(body); {
	case !utf8.ValidString(body):
		return "", &ValidationError{Field: "body", Message: "must be valid UTF-8"}
	case n == 0:
		return "", &ValidationError{Field: "body", Message: "must not be empty"}
	case n > MaxBodyChars:
		return "", &ValidationError{Field: "body", Message: fmt.Sprintf("must be at most %d characters", MaxBodyChars)}
	case hasControl(body, true):
		return "", &ValidationError{Field: "body", Message: "must not contain control characters other than line breaks and tabs"}
	}
	return body, nil
}

// newDraft validates in and returns an unreviewed draft created at now.
func newDraft(id string, in DraftInput, now time.Time) (*Draft, error) {
	var errs fieldErrors
	body, err := checkBody(in.Body)
	if err != nil {
		errs = append(errs, err)
	}
	if in.CampaignID == "" {
		errs.add("campaign_id", "must not be empty")
	}
	if in.ProspectID == "" {
		errs.add("prospect_id", "must not be empty")
	}
	if in.Score < 0 || in.Score > MaxScore {
		errs.add("score", "must be between 0 and %d", MaxScore)
	}
	if len(in.Flags) > MaxFlags {
		errs.add("flags", "must have at most %d items", MaxFlags)
	}
	flags := make([]string, 0, len(in.Flags))
	for i, f := range in.Flags {
		f = strings.TrimSpace(f)
		if f == "" || utf8.RuneCountInString(f) > MaxFlagChars || hasControl(f, false) {
			errs.add(fmt.Sprintf("flags[%d]", i), "must be 1..%d plain characters", MaxFlagChars)
			continue
		}
		flags = append(flags, f)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	now = now.UTC()
	return &Draft{
		ID: id, CampaignID: in.CampaignID, ProspectID: in.ProspectID,
		Body: body, Status: DraftUnreviewed, Score: in.Score, Flags: flags,
		CreatedAt: now, UpdatedAt: now,
	}, nil
}
