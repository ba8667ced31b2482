package notify

import "errors"

// Errors of the notifications domain.
var (
	// ErrNotFound: no such notification for this user (another user's
	// notification is not found either).
	ErrNotFound = errors.New("notification not found")
	// ErrInvalid: a notification that cannot be stored (bad kind, empty
	// title, text too long, data that is not JSON).
	ErrInvalid = errors.New("invalid notification")
)
