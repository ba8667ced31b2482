package storage

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
