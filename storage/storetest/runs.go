package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage"
)

// RunFixture is what the run store suite needs from an adapter.
type RunFixture struct {
	// Runs is the store under test.
	Runs agents.RunStore
	// NewCampaign creates a campaign owned by ownerID (creating the owner
	// if the store needs one) that runs may reference, and returns its ID.
	NewCampaign func(t *testing.T, ownerID string) string
	// DeleteCampaign deletes a campaign, which must delete its runs; nil
	// skips that scenario.
	DeleteCampaign func(t *testing.T, campaignID string)
}

// TestRunStore runs every run store scenario against the fixtures
// newFixture returns (called once per scenario; they may share one
// database). The scenario that counts every active run runs first, alone.
func TestRunStore(t *testing.T, newFixture func(t *testing.T) RunFixture) {
	t.Helper()
	t.Run("CountActiveAll", func(t *testing.T) { testRunCountActiveAll(t, newFixture(t)) })
	scenarios := []struct {
		name string
		fn   func(t *testing.T, f RunFixture)
	}{
		{"CreateAndGet", testRunCreateAndGet},
		{"DuplicateID", testRunDuplicateID},
		{"NotFound", testRunNotFound},
		{"ListByCampaignPaging", testRunListPaging},
		{"ListInvalidCursor", testRunListInvalidCursor},
		{"UpdateApplies", testRunUpdateApplies},
		{"UpdateErrorRollsBack", testRunUpdateErrorRollsBack},
		{"FailureKindSurvives", testRunFailureKind},
		{"UpdateConcurrent", testRunUpdateConcurrent},
		{"CountActivePerOwner", testRunCountActive},
		{"CreateWithinRacing", testRunCreateWithin},
		{"CampaignDeleteCascades", testRunCampaignDeleteCascades},
		{"LeaseAcquireRenewRelease", testRunLease},
		{"LeaseLapsesAndIsTakenOver", testRunLeaseLapses},
		{"LeaseOfFinishedOrMissingRun", testRunLeaseFinished},
		{"LeaseAcquireRacing", testRunLeaseRacing},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.fn(t, newFixture(t))
		})
	}
}

// newRun returns an unsaved run of campaignID with every field set.
func newRun(campaignID, ownerID string, status agents.RunStatus) *agents.Run {
	at := now()
	started := at.Add(time.Second)
	r := &agents.Run{
		ID: newID(), CampaignID: campaignID, OwnerID: ownerID, Status: status, Progress: 0.25,
		Steps: []agents.Step{
			{Name: "research", Agent: "blog researcher", Status: agents.StepSucceeded, StartedAt: &started, FinishedAt: &started,
				Stats: map[string]int{"candidates": 12}},
			{Name: "analysis", Status: agents.StepSucceeded, Output: json.RawMessage(`[{"url":"https://a.example.test/p"}]`)},
			{Name: "drafting", Status: agents.StepPending},
		},
		Stats: agents.Stats{PostsDiscovered: 12, PostsFetched: 10, Prospects: 4, Drafts: 2, DraftsRejectedByReviewer: 1},
		Usage: agents.RunUsage{Tokens: 1234, CostUSD: 0.0125},
		Brief: agents.Brief{CampaignID: campaignID, OwnerID: ownerID, Keywords: []string{"go", "Postgres ✓"},
			SeedURLs: []string{"https://a.example.test/"}, MaxProspects: 7, AllowLinks: true, DailyDraftLimit: 3},
		JobID: 42, Attempts: 1, CreatedAt: at, StartedAt: &started,
	}
	if status.Terminal() {
		fin := at.Add(time.Minute)
		r.FinishedAt = &fin
		r.Error = "something went wrong"
		r.FailureKind = agents.FailureInternal
		if status == agents.RunCancelled {
			r.FailureKind = agents.FailureCancelled
		}
	}
	return r
}

func createRun(t *testing.T, f RunFixture, campaignID, ownerID string, status agents.RunStatus) *agents.Run {
	t.Helper()
	r := newRun(campaignID, ownerID, status)
	require.NoError(t, f.Runs.Create(t.Context(), r))
	return r
}

func assertRun(t *testing.T, want, got *agents.Run) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.CampaignID, got.CampaignID)
	assert.Equal(t, want.OwnerID, got.OwnerID)
	assert.Equal(t, want.Status, got.Status)
	assert.InDelta(t, want.Progress, got.Progress, 1e-9)
	assert.Equal(t, want.Stats, got.Stats)
	assert.Equal(t, want.Usage.Tokens, got.Usage.Tokens)
	assert.InDelta(t, want.Usage.CostUSD, got.Usage.CostUSD, 1e-9)
	assert.Equal(t, want.Error, got.Error)
	assert.Equal(t, want.FailureKind, got.FailureKind)
	assert.Equal(t, want.Brief, got.Brief)
	assert.Equal(t, want.JobID, got.JobID)
	assert.Equal(t, want.Attempts, got.Attempts)
	assertTime(t, want.CreatedAt, got.CreatedAt, "run CreatedAt")
	assertTimePtr(t, want.StartedAt, got.StartedAt, "run StartedAt")
	assertTimePtr(t, want.FinishedAt, got.FinishedAt, "run FinishedAt")
	require.Len(t, got.Steps, len(want.Steps))
	for i := range want.Steps {
		w, g := want.Steps[i], got.Steps[i]
		assert.Equal(t, w.Name, g.Name)
		assert.Equal(t, w.Agent, g.Agent)
		assert.Equal(t, w.Status, g.Status)
		assert.Equal(t, w.Error, g.Error)
		assert.Equal(t, w.Stats, g.Stats)
		if w.Output == nil {
			assert.Nil(t, g.Output)
		} else {
			assert.JSONEq(t, string(w.Output), string(g.Output))
		}
		assertTimePtr(t, w.StartedAt, g.StartedAt, "step StartedAt")
		assertTimePtr(t, w.FinishedAt, g.FinishedAt, "step FinishedAt")
	}
}

func assertTimePtr(t *testing.T, want, got *time.Time, what string) {
	t.Helper()
	if want == nil {
		assert.Nil(t, got, what)
		return
	}
	if assert.NotNil(t, got, what) {
		assertTime(t, *want, *got, what)
	}
}

func testRunCreateAndGet(t *testing.T, f RunFixture) {
	owner := newID()
	camp := f.NewCampaign(t, owner)
	for _, status := range []agents.RunStatus{agents.RunQueued, agents.RunFailed} {
		r := createRun(t, f, camp, owner, status)
		got, err := f.Runs.Get(t.Context(), r.ID)
		require.NoError(t, err)
		assertRun(t, r, got)
	}
	bare := &agents.Run{ID: newID(), CampaignID: camp, OwnerID: owner, Status: agents.RunQueued, CreatedAt: now()}
	require.NoError(t, f.Runs.Create(t.Context(), bare))
	got, err := f.Runs.Get(t.Context(), bare.ID)
	require.NoError(t, err)
	assertRun(t, bare, got)
	assert.NotNil(t, got.Steps, "no steps come back as an empty list")
}

func testRunDuplicateID(t *testing.T, f RunFixture) {
	owner := newID()
	camp := f.NewCampaign(t, owner)
	r := createRun(t, f, camp, owner, agents.RunQueued)
	dup := newRun(camp, owner, agents.RunRunning)
	dup.ID = r.ID
	assert.ErrorIs(t, f.Runs.Create(t.Context(), dup), storage.ErrConflict)
	got, err := f.Runs.Get(t.Context(), r.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunQueued, got.Status)
}

func testRunNotFound(t *testing.T, f RunFixture) {
	_, err := f.Runs.Get(t.Context(), newID())
	assert.ErrorIs(t, err, storage.ErrNotFound)
	called := false
	_, err = f.Runs.Update(t.Context(), newID(), func(*agents.Run) error { called = true; return nil })
	assert.ErrorIs(t, err, storage.ErrNotFound)
	assert.False(t, called)
}

func testRunListPaging(t *testing.T, f RunFixture) {
	owner := newID()
	camp := f.NewCampaign(t, owner)
	other := f.NewCampaign(t, owner)
	var ids []string
	for range 5 {
		ids = append(ids, createRun(t, f, camp, owner, agents.RunSucceeded).ID)
	}
	createRun(t, f, other, owner, agents.RunQueued)
	var got []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 5, "paging must end")
		page, err := f.Runs.ListByCampaign(t.Context(), camp, agents.ListParams{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		assert.LessOrEqual(t, len(page.Items), 2)
		for _, r := range page.Items {
			assert.Equal(t, camp, r.CampaignID)
			got = append(got, r.ID)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	want := make([]string, len(ids))
	for i, id := range ids {
		want[len(ids)-1-i] = id
	}
	assert.Equal(t, want, got, "newest first, each once")
	page, err := f.Runs.ListByCampaign(t.Context(), newID(), agents.ListParams{})
	require.NoError(t, err)
	assert.Empty(t, page.Items)
	assert.Empty(t, page.NextCursor)
}

func testRunListInvalidCursor(t *testing.T, f RunFixture) {
	for _, c := range []string{"not base64!", "dTE6YWJj" /* "u1:abc", a user cursor */} {
		_, err := f.Runs.ListByCampaign(t.Context(), newID(), agents.ListParams{Cursor: c})
		assert.ErrorIs(t, err, storage.ErrInvalidCursor, c)
	}
}

func testRunUpdateApplies(t *testing.T, f RunFixture) {
	owner := newID()
	camp := f.NewCampaign(t, owner)
	r := createRun(t, f, camp, owner, agents.RunRunning)
	fin := now().Add(time.Hour)
	updated, err := f.Runs.Update(t.Context(), r.ID, func(run *agents.Run) error {
		run.Status, run.Progress, run.FinishedAt = agents.RunSucceeded, 1, &fin
		run.Steps[2].Status = agents.StepSucceeded
		run.Steps[2].Stats = map[string]int{"drafted": 3}
		run.Stats.Drafts = 3
		run.Usage.Tokens += 10
		run.JobID = 77
		return nil
	})
	require.NoError(t, err)
	want := *r
	want.Status, want.Progress, want.FinishedAt = agents.RunSucceeded, 1, &fin
	want.Steps = append([]agents.Step(nil), r.Steps...)
	want.Steps[2].Status, want.Steps[2].Stats = agents.StepSucceeded, map[string]int{"drafted": 3}
	want.Stats.Drafts, want.Usage.Tokens, want.JobID = 3, r.Usage.Tokens+10, 77
	assertRun(t, &want, updated)
	got, err := f.Runs.Get(t.Context(), r.ID)
	require.NoError(t, err)
	assertRun(t, &want, got)
}

// testRunFailureKind: the kind of a failure is stored with the run, so
// the identity of the error it failed on survives a reload.
func testRunFailureKind(t *testing.T, f RunFixture) {
	owner := newID()
	camp := f.NewCampaign(t, owner)
	r := createRun(t, f, camp, owner, agents.RunRunning)
	got, err := f.Runs.Get(t.Context(), r.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.FailureNone, got.FailureKind)
	assert.NoError(t, got.Failure(), "a running run has not failed")
	_, err = f.Runs.Update(t.Context(), r.ID, func(run *agents.Run) error {
		run.Status, run.Error, run.FailureKind = agents.RunFailed, "drafting: budget \"c\" spent", agents.FailureBudget
		return nil
	})
	require.NoError(t, err)
	got, err = f.Runs.Get(t.Context(), r.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.FailureBudget, got.FailureKind)
	require.ErrorIs(t, got.Failure(), agents.ErrBudgetExceeded)
	assert.NotErrorIs(t, got.Failure(), agents.ErrRunCancelled)
	assert.Equal(t, `drafting: budget "c" spent`, got.Failure().Error())
}

func testRunUpdateErrorRollsBack(t *testing.T, f RunFixture) {
	owner := newID()
	camp := f.NewCampaign(t, owner)
	r := createRun(t, f, camp, owner, agents.RunRunning)
	boom := fmt.Errorf("refused: %w", agents.ErrRunFinished)
	_, err := f.Runs.Update(t.Context(), r.ID, func(run *agents.Run) error {
		run.Status = agents.RunCancelled
		return boom
	})
	assert.ErrorIs(t, err, agents.ErrRunFinished, "fn's error comes back as is")
	got, err := f.Runs.Get(t.Context(), r.ID)
	require.NoError(t, err)
	assertRun(t, r, got)
}

func testRunUpdateConcurrent(t *testing.T, f RunFixture) {
	owner := newID()
	camp := f.NewCampaign(t, owner)
	r := createRun(t, f, camp, owner, agents.RunRunning)
	const n = 8
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, err := f.Runs.Update(t.Context(), r.ID, func(run *agents.Run) error {
				run.Stats.Drafts++
				return nil
			})
			assert.NoError(t, err)
		})
	}
	wg.Wait()
	got, err := f.Runs.Get(t.Context(), r.ID)
	require.NoError(t, err)
	assert.Equal(t, r.Stats.Drafts+n, got.Stats.Drafts, "no update is lost")
}

func testRunCountActive(t *testing.T, f RunFixture) {
	owner := newID()
	camp := f.NewCampaign(t, owner)
	n, err := f.Runs.CountActive(t.Context(), owner)
	require.NoError(t, err)
	assert.Zero(t, n)
	createRun(t, f, camp, owner, agents.RunQueued)
	running := createRun(t, f, camp, owner, agents.RunRunning)
	for _, s := range []agents.RunStatus{agents.RunSucceeded, agents.RunFailed, agents.RunCancelled} {
		createRun(t, f, camp, owner, s)
	}
	someoneElse := newID()
	createRun(t, f, f.NewCampaign(t, someoneElse), someoneElse, agents.RunQueued)
	n, err = f.Runs.CountActive(t.Context(), owner)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	_, err = f.Runs.Update(t.Context(), running.ID, func(r *agents.Run) error { r.Status = agents.RunSucceeded; return nil })
	require.NoError(t, err)
	n, err = f.Runs.CountActive(t.Context(), owner)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// testRunCreateWithin: submits racing for one owner never pass the limit
// together; other owners and finished runs do not count.
func testRunCreateWithin(t *testing.T, f RunFixture) {
	const limit, racers = 2, 8
	owner := newID()
	camp := f.NewCampaign(t, owner)
	createRun(t, f, camp, owner, agents.RunSucceeded)
	other := newID()
	createRun(t, f, f.NewCampaign(t, other), other, agents.RunQueued)
	createRun(t, f, f.NewCampaign(t, other), other, agents.RunRunning)

	var created, refused atomic.Int64
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() {
			err := f.Runs.CreateWithin(t.Context(), newRun(camp, owner, agents.RunQueued), limit)
			var le *agents.RunLimitError
			switch {
			case err == nil:
				created.Add(1)
			case errors.As(err, &le):
				assert.Equal(t, limit, le.Limit)
				assert.Equal(t, agents.LimitPerUser, le.Scope)
				assert.ErrorIs(t, err, agents.ErrTooManyRuns)
				refused.Add(1)
			default:
				t.Errorf("create within: %v", err)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, limit, created.Load(), "exactly the limit got in")
	assert.EqualValues(t, racers-limit, refused.Load())
	n, err := f.Runs.CountActive(t.Context(), owner)
	require.NoError(t, err)
	assert.Equal(t, limit, n, "the refused runs were not stored")

	assert.NoError(t, f.Runs.CreateWithin(t.Context(), newRun(camp, owner, agents.RunSucceeded), limit),
		"a finished run is no active run")
	dup := newRun(camp, owner, agents.RunQueued)
	require.NoError(t, f.Runs.Create(t.Context(), dup))
	assert.ErrorIs(t, f.Runs.CreateWithin(t.Context(), dup, 100), storage.ErrConflict)
}

func testRunCountActiveAll(t *testing.T, f RunFixture) {
	before, err := f.Runs.CountActiveAll(t.Context())
	require.NoError(t, err)
	for range 2 {
		owner := newID()
		camp := f.NewCampaign(t, owner)
		createRun(t, f, camp, owner, agents.RunQueued)
		createRun(t, f, camp, owner, agents.RunRunning)
		createRun(t, f, camp, owner, agents.RunSucceeded)
	}
	after, err := f.Runs.CountActiveAll(t.Context())
	require.NoError(t, err)
	assert.Equal(t, before+4, after)
}

func testRunCampaignDeleteCascades(t *testing.T, f RunFixture) {
	if f.DeleteCampaign == nil {
		t.Skip("storetest: this store has no campaigns to delete")
	}
	owner := newID()
	camp := f.NewCampaign(t, owner)
	keep := f.NewCampaign(t, owner)
	gone := createRun(t, f, camp, owner, agents.RunRunning)
	kept := createRun(t, f, keep, owner, agents.RunRunning)
	f.DeleteCampaign(t, camp)
	_, err := f.Runs.Get(t.Context(), gone.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = f.Runs.Get(t.Context(), kept.ID)
	assert.NoError(t, err)
	n, err := f.Runs.CountActive(t.Context(), owner)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
}

// testRunLease: one holder at a time; writes are fenced by the lease;
// Update leaves the lease alone; a released lease may be acquired at once.
func testRunLease(t *testing.T, f RunFixture) {
	ctx := t.Context()
	owner := newID()
	r := createRun(t, f, f.NewCampaign(t, owner), owner, agents.RunRunning)
	l, err := f.Runs.Lease(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.RunLease{}, l, "a new run has no lease")

	require.NoError(t, f.Runs.AcquireLease(ctx, r.ID, "a", time.Minute))
	l, err = f.Runs.Lease(ctx, r.ID)
	require.NoError(t, err)
	assert.Equal(t, "a", l.Holder)
	assert.True(t, l.Live)
	assert.WithinDuration(t, time.Now().Add(time.Minute), l.ExpiresAt, 10*time.Second)
	require.NoError(t, f.Runs.AcquireLease(ctx, r.ID, "a", time.Minute), "the holder may acquire again")
	assert.ErrorIs(t, f.Runs.AcquireLease(ctx, r.ID, "b", time.Minute), agents.ErrLeaseHeld)
	assert.ErrorIs(t, f.Runs.RenewLease(ctx, r.ID, "b", time.Minute), agents.ErrLeaseLost, "b holds nothing to renew")
	require.NoError(t, f.Runs.RenewLease(ctx, r.ID, "a", 2*time.Minute))
	l, err = f.Runs.Lease(ctx, r.ID)
	require.NoError(t, err)
	assert.WithinDuration(t, time.Now().Add(2*time.Minute), l.ExpiresAt, 10*time.Second, "renewed from now")

	got, err := f.Runs.UpdateLeased(ctx, r.ID, "a", func(r *agents.Run) error { r.Progress = 0.5; return nil })
	require.NoError(t, err)
	assert.InDelta(t, 0.5, got.Progress, 1e-9)
	called := false
	_, err = f.Runs.UpdateLeased(ctx, r.ID, "b", func(r *agents.Run) error { called = true; r.Progress = 0.9; return nil })
	assert.ErrorIs(t, err, agents.ErrLeaseLost)
	assert.False(t, called, "a non-holder's update is not applied")
	_, err = f.Runs.Update(ctx, r.ID, func(r *agents.Run) error { r.JobID = 7; return nil })
	require.NoError(t, err)
	l, err = f.Runs.Lease(ctx, r.ID)
	require.NoError(t, err)
	assert.True(t, l.Live && l.Holder == "a", "Update leaves the lease alone: %+v", l)
	got, err = f.Runs.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.InDelta(t, 0.5, got.Progress, 1e-9)
	assert.EqualValues(t, 7, got.JobID)

	require.NoError(t, f.Runs.ReleaseLease(ctx, r.ID, "b"), "releasing someone else's lease does nothing")
	l, err = f.Runs.Lease(ctx, r.ID)
	require.NoError(t, err)
	assert.True(t, l.Live)
	require.NoError(t, f.Runs.ReleaseLease(ctx, r.ID, "a"))
	l, err = f.Runs.Lease(ctx, r.ID)
	require.NoError(t, err)
	assert.False(t, l.Live, "released")
	assert.Equal(t, "a", l.Holder, "the last holder is still named")
	_, err = f.Runs.UpdateLeased(ctx, r.ID, "a", func(*agents.Run) error { return nil })
	assert.NoError(t, err, "a released lease nobody took still fences in its holder")

	require.NoError(t, f.Runs.AcquireLease(ctx, r.ID, "b", time.Minute), "a released lease is free at once")
	_, err = f.Runs.UpdateLeased(ctx, r.ID, "a", func(*agents.Run) error { return nil })
	assert.ErrorIs(t, err, agents.ErrLeaseLost)
	assert.ErrorIs(t, f.Runs.RenewLease(ctx, r.ID, "a", time.Minute), agents.ErrLeaseLost)
	require.NoError(t, f.Runs.ReleaseLease(ctx, r.ID, "a"))
	l, err = f.Runs.Lease(ctx, r.ID)
	require.NoError(t, err)
	assert.True(t, l.Live && l.Holder == "b", "a's release did not touch b's lease: %+v", l)
}

// testRunLeaseLapses: a lease not renewed lapses by the store's clock and
// another holder takes it over; the old holder is fenced out.
func testRunLeaseLapses(t *testing.T, f RunFixture) {
	ctx := t.Context()
	owner := newID()
	r := createRun(t, f, f.NewCampaign(t, owner), owner, agents.RunQueued)
	require.NoError(t, f.Runs.AcquireLease(ctx, r.ID, "a", 200*time.Millisecond))
	require.Eventually(t, func() bool {
		l, err := f.Runs.Lease(ctx, r.ID)
		require.NoError(t, err)
		return !l.Live && l.Holder == "a"
	}, 10*time.Second, 20*time.Millisecond, "the lease lapses")
	require.NoError(t, f.Runs.AcquireLease(ctx, r.ID, "b", time.Minute), "a lapsed lease is taken over")
	assert.ErrorIs(t, f.Runs.RenewLease(ctx, r.ID, "a", time.Minute), agents.ErrLeaseLost)
	_, err := f.Runs.UpdateLeased(ctx, r.ID, "a", func(r *agents.Run) error { r.Progress = 1; return nil })
	assert.ErrorIs(t, err, agents.ErrLeaseLost)
	got, err := f.Runs.Get(ctx, r.ID)
	require.NoError(t, err)
	assert.InDelta(t, r.Progress, got.Progress, 1e-9, "the fenced-out write changed nothing")
}

// testRunLeaseFinished: finished runs cannot be leased; unknown runs are
// not found.
func testRunLeaseFinished(t *testing.T, f RunFixture) {
	ctx := t.Context()
	owner := newID()
	camp := f.NewCampaign(t, owner)
	for _, status := range []agents.RunStatus{agents.RunSucceeded, agents.RunFailed, agents.RunCancelled} {
		r := createRun(t, f, camp, owner, status)
		assert.ErrorIs(t, f.Runs.AcquireLease(ctx, r.ID, "a", time.Minute), agents.ErrRunFinished, status)
	}
	id := newID()
	assert.ErrorIs(t, f.Runs.AcquireLease(ctx, id, "a", time.Minute), storage.ErrNotFound)
	assert.ErrorIs(t, f.Runs.RenewLease(ctx, id, "a", time.Minute), storage.ErrNotFound)
	_, err := f.Runs.Lease(ctx, id)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = f.Runs.UpdateLeased(ctx, id, "a", func(*agents.Run) error { return nil })
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

// testRunLeaseRacing: of racing acquirers exactly one wins.
func testRunLeaseRacing(t *testing.T, f RunFixture) {
	const racers = 8
	owner := newID()
	r := createRun(t, f, f.NewCampaign(t, owner), owner, agents.RunRunning)
	var won, held atomic.Int64
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			err := f.Runs.AcquireLease(t.Context(), r.ID, fmt.Sprintf("holder-%d", i), time.Minute)
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, agents.ErrLeaseHeld):
				held.Add(1)
			default:
				t.Errorf("acquire: %v", err)
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 1, won.Load())
	assert.EqualValues(t, racers-1, held.Load())
}
