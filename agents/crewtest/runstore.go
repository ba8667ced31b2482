package crewtest

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage"
)

// RunStore is an in-memory agents.RunStore. Runs are copied in and out, so
// callers never share state with it.
type RunStore struct {
	mu     sync.Mutex
	runs   map[string]*agents.Run
	leases map[string]lease
}

// lease is a run's lease; the store's clock is time.Now.
type lease struct {
	holder  string
	expires time.Time
}

var _ agents.RunStore = (*RunStore)(nil)

// NewRunStore returns an empty RunStore.
func NewRunStore() *RunStore {
	return &RunStore{runs: map[string]*agents.Run{}, leases: map[string]lease{}}
}

// clone deep-copies a run through JSON, as a database would.
func clone(r *agents.Run) *agents.Run {
	raw, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("crewtest: marshal run: %v", err))
	}
	out := new(agents.Run)
	if err := json.Unmarshal(raw, out); err != nil {
		panic(fmt.Sprintf("crewtest: unmarshal run: %v", err))
	}
	if out.Steps == nil {
		out.Steps = []agents.Step{}
	}
	return out
}

// Create inserts r.
func (s *RunStore) Create(_ context.Context, r *agents.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.runs[r.ID]; ok {
		return fmt.Errorf("create run %s: %w", r.ID, storage.ErrConflict)
	}
	s.runs[r.ID] = clone(r)
	return nil
}

// CreateWithin inserts r unless its owner has maxActive active runs.
func (s *RunStore) CreateWithin(_ context.Context, r *agents.Run, maxActive int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.runs[r.ID]; ok {
		return fmt.Errorf("create run %s: %w", r.ID, storage.ErrConflict)
	}
	n := 0
	for _, o := range s.runs {
		if o.Active() && o.OwnerID == r.OwnerID {
			n++
		}
	}
	if r.Active() && n >= maxActive {
		return &agents.RunLimitError{Scope: agents.LimitPerUser, Limit: maxActive, Active: n}
	}
	s.runs[r.ID] = clone(r)
	return nil
}

// Get returns a copy of the run.
func (s *RunStore) Get(_ context.Context, id string) (*agents.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[id]
	if !ok {
		return nil, fmt.Errorf("load run %s: %w", id, storage.ErrNotFound)
	}
	return clone(r), nil
}

const cursorTag = "mr1:"

// ListByCampaign returns the campaign's runs newest first (by ID, which
// is time-ordered).
func (s *RunStore) ListByCampaign(_ context.Context, campaignID string, p agents.ListParams) (agents.RunPage, error) {
	after := ""
	if p.Cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(p.Cursor)
		id, ok := strings.CutPrefix(string(raw), cursorTag)
		if err != nil || !ok || id == "" {
			return agents.RunPage{}, fmt.Errorf("list runs: %w", storage.ErrInvalidCursor)
		}
		after = id
	}
	limit := cmp.Or(max(p.Limit, 0), 50)
	s.mu.Lock()
	var all []*agents.Run
	for _, r := range s.runs {
		if r.CampaignID == campaignID && (after == "" || r.ID < after) {
			all = append(all, clone(r))
		}
	}
	s.mu.Unlock()
	slices.SortFunc(all, func(a, b *agents.Run) int { return strings.Compare(b.ID, a.ID) })
	var page agents.RunPage
	for i, r := range all {
		if i == limit {
			page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(cursorTag + all[i-1].ID))
			break
		}
		page.Items = append(page.Items, *r)
	}
	return page, nil
}

// Update applies fn to a copy and stores it unless fn fails.
func (s *RunStore) Update(_ context.Context, id string, fn func(*agents.Run) error) (*agents.Run, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.runs[id]
	if !ok {
		return nil, fmt.Errorf("load run %s: %w", id, storage.ErrNotFound)
	}
	r := clone(cur)
	if err := fn(r); err != nil {
		return nil, err
	}
	if r.ID != id {
		return nil, fmt.Errorf("update run %s: the update changed the ID to %s", id, r.ID)
	}
	s.runs[id] = clone(r)
	return r, nil
}

// CountActive counts the owner's queued and running runs.
func (s *RunStore) CountActive(_ context.Context, ownerID string) (int, error) {
	return s.count(func(r *agents.Run) bool { return r.OwnerID == ownerID }), nil
}

// CountActiveAll counts every queued and running run.
func (s *RunStore) CountActiveAll(context.Context) (int, error) {
	return s.count(func(*agents.Run) bool { return true }), nil
}

func (s *RunStore) count(match func(*agents.Run) bool) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.runs {
		if r.Active() && match(r) {
			n++
		}
	}
	return n
}

// AcquireLease gives holder the active run's lease for ttl unless another
// holder's is live.
func (s *RunStore) AcquireLease(_ context.Context, id, holder string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.runs[id]
	if !ok {
		return fmt.Errorf("lease run %s: %w", id, storage.ErrNotFound)
	}
	if r.Status.Terminal() {
		return fmt.Errorf("lease run %s (%s): %w", id, r.Status, agents.ErrRunFinished)
	}
	now := time.Now()
	if l := s.leases[id]; l.holder != "" && l.holder != holder && now.Before(l.expires) {
		return fmt.Errorf("lease run %s: %w", id, agents.ErrLeaseHeld)
	}
	s.leases[id] = lease{holder: holder, expires: now.Add(ttl)}
	return nil
}

// RenewLease extends holder's lease to ttl from now.
func (s *RunStore) RenewLease(_ context.Context, id, holder string, ttl time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.runs[id]; !ok {
		return fmt.Errorf("renew lease of run %s: %w", id, storage.ErrNotFound)
	}
	if s.leases[id].holder != holder {
		return fmt.Errorf("renew lease of run %s: %w", id, agents.ErrLeaseLost)
	}
	s.leases[id] = lease{holder: holder, expires: time.Now().Add(ttl)}
	return nil
}

// ReleaseLease makes holder's lease lapse now.
func (s *RunStore) ReleaseLease(_ context.Context, id, holder string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if l, ok := s.leases[id]; ok && l.holder == holder {
		s.leases[id] = lease{holder: holder, expires: time.Now()}
	}
	return nil
}

// Lease returns the run's lease.
func (s *RunStore) Lease(_ context.Context, id string) (agents.RunLease, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.runs[id]; !ok {
		return agents.RunLease{}, fmt.Errorf("load lease of run %s: %w", id, storage.ErrNotFound)
	}
	l := s.leases[id]
	return agents.RunLease{Holder: l.holder, ExpiresAt: l.expires, Live: l.holder != "" && time.Now().Before(l.expires)}, nil
}

// UpdateLeased is Update while holder holds the run's lease.
func (s *RunStore) UpdateLeased(ctx context.Context, id, holder string, fn func(*agents.Run) error) (*agents.Run, error) {
	return s.Update(ctx, id, func(r *agents.Run) error {
		if s.leases[id].holder != holder { // s.mu is held by Update
			return fmt.Errorf("update run %s: %w", id, agents.ErrLeaseLost)
		}
		return fn(r)
	})
}
