package notify

import (
	"context"
	"time"
)

// Store keeps notifications. Implementations are safe for concurrent use
// and return storage.ErrNotFound for a notification that does not exist
// or belongs to another user.
type Store interface {
	// Create inserts n; n.ID is set by the caller.
	Create(ctx context.Context, n *Notification) error
	// List returns the user's notifications newest first (by ID, which is
	// time-ordered), only the unread ones when p.UnreadOnly.
	List(ctx context.Context, userID string, p ListParams) (Page, error)
	// MarkRead sets ReadAt to at on the user's notification id unless it
	// is already read, and returns it.
	MarkRead(ctx context.Context, userID, id string, at time.Time) (*Notification, error)
	// MarkAllRead marks every unread notification of the user read at at
	// and returns how many it changed.
	MarkAllRead(ctx context.Context, userID string, at time.Time) (int, error)
}
