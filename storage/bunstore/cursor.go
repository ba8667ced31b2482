package bunstore

import "github.com/kpbot/kpbot/storage"

// A cursor is the base64url of a short tag and the last ID of the previous
// page; the tag lets a cursor of another list be told apart.
const userCursorTag = "u1:"

// The page size and cursor rules are storage's (storage.PageSize,
// storage.EncodeCursor, storage.DecodeCursor), shared with the in-memory
// stores.

func pageSize(limit int) int { return storage.PageSize(limit) }

func encodeCursor(tag, lastID string) string { return storage.EncodeCursor(tag, lastID) }

// decodeCursor returns the ID a cursor carries; "" for no cursor.
func decodeCursor(tag, cursor string) (string, error) { return storage.DecodeCursor(tag, cursor) }
