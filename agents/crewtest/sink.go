package crewtest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// Sink is an in-memory agents.Sink (and agents.DraftCounter) that keys
// prospects by campaign and canonical URL and drafts by prospect, and
// counts every write so tests can prove idempotence. It gives each
// prospect an id ("p1", "p2", ...) and refuses a draft whose ProspectID
// is not the id of its prospect.
type Sink struct {
	mu        sync.Mutex
	prospects map[[2]string]agents.ProspectResult // ProspectID set
	drafts    map[[2]string]draft
	order     []([2]string) // draft keys in creation order
	writes    int
	pWrites   int
	ids       int // prospect ids given so far
	dWrites   int
	now       func() time.Time
}

type draft struct {
	agents.DraftResult
	created time.Time
}

var (
	_ agents.Sink         = (*Sink)(nil)
	_ agents.DraftCounter = (*Sink)(nil)
)

// NewSink returns an empty Sink.
func NewSink() *Sink {
	return &Sink{prospects: map[[2]string]agents.ProspectResult{}, drafts: map[[2]string]draft{}, now: time.Now}
}

// SaveProspect upserts p and returns its id; created is true the first
// time.
func (s *Sink) SaveProspect(_ context.Context, p agents.ProspectResult) (string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	s.pWrites++
	k := [2]string{p.CampaignID, p.Key()}
	old, had := s.prospects[k]
	if had {
		p.ProspectID = old.ProspectID
	} else {
		s.ids++
		p.ProspectID = fmt.Sprintf("p%d", s.ids)
	}
	p.Text = "" // like a store would, keep no more than the record needs here
	s.prospects[k] = p
	return p.ProspectID, !had, nil
}

// SaveDraft upserts d; created is true the first time. A d.ProspectID
// that is not the id of the prospect d.ProspectKey is an error.
func (s *Sink) SaveDraft(_ context.Context, d agents.DraftResult) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	s.dWrites++
	k := [2]string{d.CampaignID, d.ProspectKey}
	if p, ok := s.prospects[k]; d.ProspectID != "" && (!ok || p.ProspectID != d.ProspectID) {
		return false, fmt.Errorf("crewtest sink: draft for %s names prospect %q, which is not its prospect's id", d.ProspectKey, d.ProspectID)
	}
	old, had := s.drafts[k]
	created := s.now()
	if had {
		created = old.created
	} else {
		s.order = append(s.order, k)
	}
	s.drafts[k] = draft{d, created}
	return !had, nil
}

// ExistingDrafts returns the campaign's draft bodies in creation order.
func (s *Sink) ExistingDrafts(_ context.Context, campaignID string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, k := range s.order {
		if k[0] == campaignID {
			out = append(out, s.drafts[k].Body)
		}
	}
	return out, nil
}

// DraftedProspects returns the campaign's drafted prospect keys.
func (s *Sink) DraftedProspects(_ context.Context, campaignID string) (map[string]bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	for k := range s.drafts {
		if k[0] == campaignID {
			out[k[1]] = true
		}
	}
	return out, nil
}

// DraftsSince counts the campaign's drafts created at or after since.
func (s *Sink) DraftsSince(_ context.Context, campaignID string, since time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, d := range s.drafts {
		if k[0] == campaignID && !d.created.Before(since) {
			n++
		}
	}
	return n, nil
}

// Prospects returns the campaign's prospects sorted by canonical URL.
func (s *Sink) Prospects(campaignID string) []agents.ProspectResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []agents.ProspectResult
	for k, p := range s.prospects {
		if k[0] == campaignID {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b agents.ProspectResult) int { return strings.Compare(a.Key(), b.Key()) })
	return out
}

// Drafts returns the campaign's drafts in creation order.
func (s *Sink) Drafts(campaignID string) []agents.DraftResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []agents.DraftResult
	for _, k := range s.order {
		if k[0] == campaignID {
			out = append(out, s.drafts[k].DraftResult)
		}
	}
	return out
}

// Writes counts every SaveProspect and SaveDraft call.
func (s *Sink) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

// ProspectWrites counts SaveProspect calls.
func (s *Sink) ProspectWrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pWrites
}

// DraftWrites counts SaveDraft calls.
func (s *Sink) DraftWrites() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dWrites
}
