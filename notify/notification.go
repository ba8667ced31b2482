package notify

import (
	"encoding/json"
	"fmt"
	"github.com/kpbot/kpbot/storage"
	"time"
	"unicode/utf8"

	"github.com/kpbot/kpbot/events"
)

// Kind says what a notification is about.
type Kind string

// The notification kinds kpbot emits; embedders may add their own. A kind
// about an event is that event's name, declared once in package events.
const (
	KindRunSucceeded    Kind = events.RunSucceeded
	KindRunFailed       Kind = events.RunFailed
	KindRunCancelled    Kind = events.RunCancelled
	KindRunWarning      Kind = events.RunWarning
	KindCommentReviewed Kind = events.CommentReviewed
	KindBudgetReached   Kind = "budget.reached"
)

// Limits of a notification's text fields.
const (
	MaxKindLen    = 64   // bytes of printable ASCII
	MaxTitleRunes = 200  // characters
	MaxBodyRunes  = 2000 // characters
)

// Notification is one message to one user.
type Notification struct {
	ID        string
	UserID    string
	Kind      Kind
	Title     string
	Body      string
	Data      json.RawMessage // a JSON value, {} when the emitter gave none
	ReadAt    *time.Time      // nil while unread
	CreatedAt time.Time
}

// Unread reports whether the user has not read n yet.
func (n *Notification) Unread() bool { return n.ReadAt == nil }

// ListParams selects a page of notifications: at most Limit (see
// storage.ClampLimit) after Cursor, the next_cursor of the previous page.
type ListParams struct {
	UnreadOnly bool
	Limit      int
	Cursor     string
}

// Page is one page of notifications, newest first: the shared page type.
type Page = storage.Page[Notification]

// CheckKind reports whether k is acceptable: 1 to MaxKindLen bytes of
// printable ASCII without spaces.
func CheckKind(k Kind) error {
	if k == "" || len(k) > MaxKindLen {
		return fmt.Errorf("%w: kind must be 1 to %d bytes", ErrInvalid, MaxKindLen)
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: kind %q has a character that is not printable ASCII", ErrInvalid, k)
		}
	}
	return nil
}

// checkText validates the title and body.
func checkText(title, body string) error {
	switch {
	case title == "" || !utf8.ValidString(title) || utf8.RuneCountInString(title) > MaxTitleRunes:
		return fmt.Errorf("%w: title must be 1 to %d characters of UTF-8", ErrInvalid, MaxTitleRunes)
	case !utf8.ValidString(body) || utf8.RuneCountInString(body) > MaxBodyRunes:
		return fmt.Errorf("%w: body must be at most %d characters of UTF-8", ErrInvalid, MaxBodyRunes)
	}
	return nil
}
