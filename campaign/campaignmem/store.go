package campaignmem

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// Store holds campaigns, prospects and drafts in memory. Its methods
// Campaigns, Prospects and Drafts return the three store ports over the
// same data. Values are copied in and out, so callers never share state
// with it. A Store is safe for concurrent use; its zero value is not
// usable: call New.
type Store struct {
	mu        sync.Mutex
	campaigns map[string]*campaign.Campaign
	prospects map[string]*campaign.Prospect
	drafts    map[string]*campaign.Draft
	byURL     map[[2]string]string // campaign ID, canonical URL → prospect ID
	byProsp   map[string]string    // prospect ID → draft ID
}

// New returns an empty Store.
func New() *Store {
	return &Store{
		campaigns: map[string]*campaign.Campaign{},
		prospects: map[string]*campaign.Prospect{},
		drafts:    map[string]*campaign.Draft{},
		byURL:     map[[2]string]string{},
		byProsp:   map[string]string{},
	}
}

// Campaigns returns the campaign store over s.
func (s *Store) Campaigns() *Campaigns { return &Campaigns{s: s} }

// Prospects returns the prospect store over s.
func (s *Store) Prospects() *Prospects { return &Prospects{s: s} }

// Drafts returns the draft store over s.
func (s *Store) Drafts() *Drafts { return &Drafts{s: s} }

// Page sizes, as the bun stores have them.
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

// Cursor tags tell the cursors of the three lists apart.
const (
	campaignCursorTag = "mc1:"
	prospectCursorTag = "mp1:"
	draftCursorTag    = "md1:"
)

func encodeCursor(tag, lastID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tag + lastID))
}

// decodeCursor returns the ID a cursor carries; "" for no cursor.
func decodeCursor(tag, cursor string) (string, error) {
	if cursor == "" {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(cursor)
	id, ok := strings.CutPrefix(string(raw), tag)
	if err != nil || !ok || id == "" {
		return "", fmt.Errorf("%w: %q", storage.ErrInvalidCursor, cursor)
	}
	return id, nil
}

// page cuts the items sorted by id after the cursor's ID (before it when
// desc) into one page of at most limit.
func page[T any](items []T, id func(T) string, tag, cursor string, limit int, desc bool) ([]T, string, error) {
	after, err := decodeCursor(tag, cursor)
	if err != nil {
		return nil, "", err
	}
	slices.SortFunc(items, func(a, b T) int {
		if desc {
			return strings.Compare(id(b), id(a))
		}
		return strings.Compare(id(a), id(b))
	})
	if after != "" {
		items = slices.DeleteFunc(items, func(it T) bool {
			if desc {
				return id(it) >= after
			}
			return id(it) <= after
		})
	}
	limit = pageSize(limit)
	if len(items) <= limit {
		return items, "", nil
	}
	return items[:limit], encodeCursor(tag, id(items[limit-1])), nil
}
