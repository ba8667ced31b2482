package storage

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Page is one page of a cursor-paginated list, the shape every store's
// List returns and every list endpoint answers (docs/contract.md,
// conventions).
type Page[T any] struct {
	Items      []T
	NextCursor string // empty on the last page
}

// ListParams selects a page: at most Limit items after Cursor, the
// NextCursor of the previous page.
type ListParams struct {
	Limit  int
	Cursor string
}

// The list sizes of docs/contract.md: a page has DefaultLimit items when
// no limit is asked for, and never more than MaxLimit.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// ClampLimit applies the list defaults: DefaultLimit when n is unset (zero
// or negative), at most MaxLimit.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultLimit
	case n > MaxLimit:
		return MaxLimit
	}
	return n
}

// Page sizes every store applies: the size when the caller asks for none,
// and the most one page holds.
const (
	DefaultPageSize = 50
	MaxPageSize     = 1000
)

// PageSize returns the page size for a requested limit: DefaultPageSize
// for none (zero or less), at most MaxPageSize.
func PageSize(limit int) int {
	switch {
	case limit <= 0:
		return DefaultPageSize
	case limit > MaxPageSize:
		return MaxPageSize
	}
	return limit
}

// EncodeCursor returns the opaque cursor of a list after lastID: the
// base64url of a short tag and the ID, the tag telling the cursors of
// different lists apart.
func EncodeCursor(tag, lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tag + lastID))
}

// DecodeCursor returns the ID a cursor of EncodeCursor(tag, ...) carries,
// "" for no cursor, and an error wrapping ErrInvalidCursor for any other.
func DecodeCursor(tag, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not base64url", ErrInvalidCursor, cursor)
	}
	id, ok := strings.CutPrefix(string(raw), tag)
	if !ok || id == "" {
		return "", fmt.Errorf("%w: %q", ErrInvalidCursor, cursor)
	}
	return id, nil
}
