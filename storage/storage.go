// Package storage holds the errors and small contracts every store adapter
// shares. It imports no database driver: adapters live in its subpackages.
package storage

import "errors"

var (
	// ErrNotFound reports that the requested record does not exist.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict reports a uniqueness violation or a lost optimistic race.
	ErrConflict = errors.New("storage: conflict")
)
