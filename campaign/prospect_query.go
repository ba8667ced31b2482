package campaign

import (
	"context"
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"github.com/kpbot/kpbot/storage"
)

// ProspectSort orders a prospect listing; every order ends with the ID so
// pages never overlap.
type ProspectSort string

// The orders QueryProspects accepts.
const (
	SortFound     ProspectSort = "found"        // the order found (ascending ID)
	SortTitle     ProspectSort = "title"        // title, case-insensitively
	SortPublished ProspectSort = "published_at" // publication time; unknown dates first
	SortRelevance ProspectSort = "relevance"    // relevance to the campaign
)

// MaxProspectSearchChars bounds ProspectQuery.Search.
const MaxProspectSearchChars = 200

// Valid reports whether s is one of the orders above.
func (s ProspectSort) Valid() bool {
	switch s {
	case SortFound, SortTitle, SortPublished, SortRelevance:
		return true
	}
	return false
}

// ProspectQuery sorts, filters and pages a campaign's prospects.
type ProspectQuery struct {
	Sort            ProspectSort // "" is SortFound
	Desc            bool         // descending order
	Search          string       // case-insensitive substring of the title, site or author
	MinRelevance    float64      // only prospects at least this relevant (0..1)
	AcceptsComments bool         // only posts that take comments
	Limit           int
	Cursor          string // next_cursor of the previous page of the same sort
}

// isDefault reports whether q asks for nothing but a page in found order.
func (q ProspectQuery) isDefault() bool {
	return (q.Sort == "" || q.Sort == SortFound) && !q.Desc && q.Search == "" && q.MinRelevance == 0 && !q.AcceptsComments
}

func (q *ProspectQuery) check() error {
	if q.Sort == "" {
		q.Sort = SortFound
	}
	if !q.Sort.Valid() {
		return &ValidationError{Field: "sort", Message: "must be one of found, title, published_at, relevance"}
	}
	q.Search = strings.TrimSpace(q.Search)
	if !utf8.ValidString(q.Search) || strings.ContainsRune(q.Search, 0) || utf8.RuneCountInString(q.Search) > MaxProspectSearchChars {
		return &ValidationError{Field: "q", Message: fmt.Sprintf("must be valid text of at most %d characters", MaxProspectSearchChars)}
	}
	if math.IsNaN(q.MinRelevance) || q.MinRelevance < 0 || q.MinRelevance > 1 {
		return &ValidationError{Field: "min_relevance", Message: "must be between 0 and 1"}
	}
	return nil
}

// ProspectPage is a page of a sorted, filtered prospect listing.
type ProspectPage struct {
	storage.Page[Prospect]
	Total int // prospects matching the filters, on every page
}

// ProspectQuerier is the optional ProspectStore capability of sorting and
// filtering a listing (bunstore's Prospects has it).
type ProspectQuerier interface {
	// Query returns one page of the campaign's prospects matching q's
	// filters in q's order, without their Text, and how many match.
	Query(ctx context.Context, campaignID string, q ProspectQuery) (ProspectPage, error)
}

// ProspectLister is the optional ProspectStore capability of loading
// several prospects at once, without their Text (bunstore's Prospects
// has it).
type ProspectLister interface {
	// ByIDs returns the campaign's prospects among ids, in no order;
	// unknown ids are left out.
	ByIDs(ctx context.Context, campaignID string, ids []string) ([]Prospect, error)
}
