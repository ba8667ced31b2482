package bunstore

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/kpbot/kpbot/storage"
)

// A cursor is the base64url of a short tag and the last ID of the previous
// page; the tag lets a cursor of another list be told apart.
const userCursorTag = "u1:"

// Page sizes when the caller asks for none or for too many.
const (
	defaultPageSize = 50
	maxPageSize     = 1000
)

func pageSize(limit int) int {
	switch {
	case limit <= 0:
		return defaultPageSize
	case limit > maxPageSize:
		return maxPageSize
	}
	return limit
}

func encodeCursor(tag, lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tag + lastID))
}

// decodeCursor returns the ID a cursor carries; "" for no cursor.
func decodeCursor(tag, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil {
		return "", fmt.Errorf("%w: %q is not base64url", storage.ErrInvalidCursor, cursor)
	}
	id, ok := strings.CutPrefix(string(raw), tag)
	if !ok || id == "" {
		return "", fmt.Errorf("%w: %q", storage.ErrInvalidCursor, cursor)
	}
	return id, nil
}
