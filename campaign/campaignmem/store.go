package campaignmem

import (
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

// Stores returns the three stores over s, as the campaign services take
// them.
func (s *Store) Stores() campaign.Stores {
	return campaign.Stores{Campaigns: s.Campaigns(), Prospects: s.Prospects(), Drafts: s.Drafts()}
}

// Cursor tags tell the cursors of the three lists apart.
const (
	campaignCursorTag = "mc1:"
	prospectCursorTag = "mp1:"
	draftCursorTag    = "md1:"
)

// page cuts the items sorted by id after the cursor's ID (before it when
// desc) into one page of at most limit.
func page[T any](items []T, id func(T) string, tag, cursor string, limit int, desc bool) ([]T, string, error) {
	after, err := storage.DecodeCursor(tag, cursor)
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
	limit = storage.PageSize(limit)
	if len(items) <= limit {
		return items, "", nil
	}
	return items[:limit], storage.EncodeCursor(tag, id(items[limit-1])), nil
}
