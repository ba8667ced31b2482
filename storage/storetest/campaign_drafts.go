package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

func testDraftRoundTrip(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	p := createProspect(t, s, c.ID, "draft-rt")
	d := newDraft(p, "Your point about WAL checkpoints\nmatches what we saw.")
	d.Flags = nil
	saved, outcome, err := s.Drafts.Upsert(ctx, d)
	require.NoError(t, err)
	assert.Equal(t, campaign.Inserted, outcome)
	assertDraft(t, d, saved)
	assert.Empty(t, saved.Flags)

	owner := c.OwnerID
	reviewer := createUser(t, s.Users)
	t1 := now().Add(time.Minute)
	t2 := t1.Add(time.Minute)
	updated, err := s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error {
		if err := d.Edit(owner, "An edited body.", t1); err != nil {
			return err
		}
		return d.Reject(reviewer.ID, "too vague", t2)
	})
	require.NoError(t, err)
	want := *d
	want.Edits = []campaign.Edit{{At: t1, By: owner, Body: d.Body}}
	want.Body, want.Status, want.RejectReason = "An edited body.", campaign.DraftRejected, "too vague"
	want.ReviewedBy, want.ReviewedAt, want.UpdatedAt = &reviewer.ID, &t2, t2
	assertDraft(t, &want, updated)
	got, err := s.Drafts.Get(ctx, d.ID)
	require.NoError(t, err)
	assertDraft(t, &want, got)
}

func testDraftUpsertReplacesUnreviewed(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	p := createProspect(t, s, c.ID, "replace")
	first := createDraft(t, s, p, "First attempt.")

	next := newDraft(p, "Second, better attempt.")
	next.Score, next.Flags = 95, []string{"names_term", "no_links"}
	next.UpdatedAt = first.UpdatedAt.Add(time.Second)
	saved, outcome, err := s.Drafts.Upsert(ctx, next)
	require.NoError(t, err)
	assert.Equal(t, campaign.Updated, outcome)
	want := *next
	want.ID, want.CreatedAt = first.ID, first.CreatedAt
	assertDraft(t, &want, saved)
	got, err := s.Drafts.Get(ctx, first.ID)
	require.NoError(t, err)
	assertDraft(t, &want, got)
	page, err := s.Drafts.List(ctx, c.ID, "", storage.ListParams{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "one draft per prospect")
}

func testDraftUpsertKeepsReviewed(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	reviewer := createUser(t, s.Users)
	for _, status := range []campaign.DraftStatus{campaign.DraftApproved, campaign.DraftRejected} {
		p := createProspect(t, s, c.ID, "reviewed-"+string(status))
		d := createDraft(t, s, p, "Reviewed body.")
		reviewed, err := s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error {
			if status == campaign.DraftApproved {
				return d.Approve(reviewer.ID, now())
			}
			return d.Reject(reviewer.ID, "no", now())
		})
		require.NoError(t, err)

		saved, outcome, err := s.Drafts.Upsert(ctx, newDraft(p, "The crew's rewrite."))
		require.NoError(t, err)
		assert.Equal(t, campaign.Kept, outcome, status)
		assertDraft(t, reviewed, saved)
		got, err := s.Drafts.Get(ctx, d.ID)
		require.NoError(t, err)
		assertDraft(t, reviewed, got)
	}
}

func testDraftUpsertKeepsEdited(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	p := createProspect(t, s, c.ID, "edited")
	d := createDraft(t, s, p, "Crew body.")
	edited, err := s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error {
		return d.Edit(c.OwnerID, "A person's body.", now())
	})
	require.NoError(t, err)
	saved, outcome, err := s.Drafts.Upsert(ctx, newDraft(p, "The crew again."))
	require.NoError(t, err)
	assert.Equal(t, campaign.Kept, outcome, "a person's edit is never overwritten")
	assertDraft(t, edited, saved)
}

func testDraftUpsertConcurrent(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	p := createProspect(t, s, c.ID, "contended-draft")
	const n = 8
	var wg sync.WaitGroup
	outcomes := make([]campaign.SaveOutcome, n)
	ids := make([]string, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			d, o, err := s.Drafts.Upsert(ctx, newDraft(p, fmt.Sprintf("Writer %d's draft.", i)))
			outcomes[i], errs[i] = o, err
			if err == nil {
				ids[i] = d.ID
			}
		})
	}
	close(start)
	wg.Wait()
	inserted := 0
	for i := range n {
		require.NoError(t, errs[i], "writer %d", i)
		assert.Equal(t, ids[0], ids[i])
		if outcomes[i] == campaign.Inserted {
			inserted++
		} else {
			assert.Equal(t, campaign.Updated, outcomes[i])
		}
	}
	assert.Equal(t, 1, inserted)
	page, err := s.Drafts.List(ctx, c.ID, "", storage.ListParams{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

// testDraftUpsertRacesReview approves a draft while writers keep
// re-saving it: once approved, the approved body is what stays.
func testDraftUpsertRacesReview(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	reviewer := createUser(t, s.Users)
	p := createProspect(t, s, c.ID, "race-review")
	d := createDraft(t, s, p, "Initial body.")
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			<-start
			for j := range 5 {
				_, _, err := s.Drafts.Upsert(ctx, newDraft(p, fmt.Sprintf("Rewrite %d.%d.", i, j)))
				if err != nil {
					errs[i] = err
					return
				}
			}
		})
	}
	var approved *campaign.Draft
	var approveErr error
	wg.Go(func() {
		<-start
		approved, approveErr = s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error {
			return d.Approve(reviewer.ID, now())
		})
	})
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "writer %d", i)
	}
	require.NoError(t, approveErr)
	got, err := s.Drafts.Get(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, campaign.DraftApproved, got.Status)
	assert.Equal(t, approved.Body, got.Body, "no rewrite lands after the approval")
}

func testDraftUpdateErrorRollsBack(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	reviewer := createUser(t, s.Users)
	p := createProspect(t, s, c.ID, "rollback")
	d := createDraft(t, s, p, "Unchanged body.")
	boom := errors.New("boom")
	_, err := s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error {
		d.Body = "changed"
		d.Status = campaign.DraftApproved
		return boom
	})
	assert.ErrorIs(t, err, boom)
	got, err := s.Drafts.Get(ctx, d.ID)
	require.NoError(t, err)
	assertDraft(t, d, got)

	// The workflow's own errors come back unchanged too.
	_, err = s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error { return d.Approve(reviewer.ID, now()) })
	require.NoError(t, err)
	_, err = s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error { return d.Reject(reviewer.ID, "", now()) })
	assert.ErrorIs(t, err, campaign.ErrAlreadyReviewed)
	_, err = s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error { return d.Edit(c.OwnerID, "late", now()) })
	assert.ErrorIs(t, err, campaign.ErrNotEditable)
	got, err = s.Drafts.Get(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, campaign.DraftApproved, got.Status)
	assert.Equal(t, "Unchanged body.", got.Body)
}

func testDraftListStatusFilter(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	reviewer := createUser(t, s.Users)
	byStatus := map[campaign.DraftStatus][]string{}
	var all []string
	for i := range 9 {
		p := createProspect(t, s, c.ID, fmt.Sprintf("filter-%d", i))
		d := createDraft(t, s, p, fmt.Sprintf("Draft %d.", i))
		status := []campaign.DraftStatus{campaign.DraftUnreviewed, campaign.DraftApproved, campaign.DraftRejected}[i%3]
		if status != campaign.DraftUnreviewed {
			_, err := s.Drafts.Update(ctx, d.ID, func(d *campaign.Draft) error {
				if status == campaign.DraftApproved {
					return d.Approve(reviewer.ID, now())
				}
				return d.Reject(reviewer.ID, "", now())
			})
			require.NoError(t, err)
		}
		byStatus[status] = append(byStatus[status], d.ID)
		all = append(all, d.ID)
	}
	list := func(status campaign.DraftStatus, limit int) []string {
		return pageThrough(t, limit, func(d campaign.Draft) string { return d.ID },
			func(lp storage.ListParams) (storage.Page[campaign.Draft], error) {
				return s.Drafts.List(ctx, c.ID, status, lp)
			})
	}
	for _, limit := range []int{1, 2, 50} {
		assert.Equal(t, all, list("", limit), "no filter, limit %d", limit)
		for status, want := range byStatus {
			assert.Equal(t, want, list(status, limit), "status %s, limit %d", status, limit)
		}
	}
}

func testDraftOthers(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	other := createCampaign(t, s, c.OwnerID)
	var ps []*campaign.Prospect
	var ds []*campaign.Draft
	for i := range 3 {
		p := createProspect(t, s, c.ID, fmt.Sprintf("others-%d", i))
		ps = append(ps, p)
		ds = append(ds, createDraft(t, s, p, fmt.Sprintf("Body %d.", i)))
	}
	createDraft(t, s, createProspect(t, s, other.ID, "elsewhere"), "Other campaign.")

	got, err := s.Drafts.Others(ctx, c.ID, ps[1].ID)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assertDraft(t, ds[0], &got[0])
	assertDraft(t, ds[2], &got[1])

	fresh := createProspect(t, s, c.ID, "no-draft-yet")
	got, err = s.Drafts.Others(ctx, c.ID, fresh.ID)
	require.NoError(t, err)
	assert.Len(t, got, 3, "a prospect without a draft excludes nothing")
}

func testDraftListApproved(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	reviewer := createUser(t, s.Users)
	base := now()
	var want []campaign.ExportRow
	// Approve in the reverse order of creation: the export follows approval.
	var ps []*campaign.Prospect
	var ds []*campaign.Draft
	for i := range 3 {
		p := createProspect(t, s, c.ID, fmt.Sprintf("export-%d", i))
		ps = append(ps, p)
		ds = append(ds, createDraft(t, s, p, fmt.Sprintf("=cmd|' /C calc'!A%d", i)))
	}
	for k, i := range []int{2, 0} {
		at := base.Add(time.Duration(k+1) * time.Minute)
		_, err := s.Drafts.Update(ctx, ds[i].ID, func(d *campaign.Draft) error { return d.Approve(reviewer.ID, at) })
		require.NoError(t, err)
		want = append(want, campaign.ExportRow{
			DraftID: ds[i].ID, Body: ds[i].Body, PostURL: ps[i].URL, PostTitle: ps[i].Title,
			Site: ps[i].Site, ApprovedAt: at, ReviewedBy: reviewer.ID,
		})
	}
	_, err := s.Drafts.Update(ctx, ds[1].ID, func(d *campaign.Draft) error { return d.Reject(reviewer.ID, "", now()) })
	require.NoError(t, err)
	draftOnly := createProspect(t, s, c.ID, "export-draft")
	createDraft(t, s, draftOnly, "Still a draft.")

	got, err := s.Drafts.ListApproved(ctx, c.ID)
	require.NoError(t, err)
	require.Len(t, got, len(want), "only approved drafts")
	for i := range want {
		assert.Equal(t, want[i].DraftID, got[i].DraftID)
		assert.Equal(t, want[i].Body, got[i].Body)
		assert.Equal(t, want[i].PostURL, got[i].PostURL)
		assert.Equal(t, want[i].PostTitle, got[i].PostTitle)
		assert.Equal(t, want[i].Site, got[i].Site)
		assertTime(t, want[i].ApprovedAt, got[i].ApprovedAt, "ApprovedAt")
		assert.Equal(t, want[i].ReviewedBy, got[i].ReviewedBy)
	}

	empty := createCampaign(t, s, c.OwnerID)
	got, err = s.Drafts.ListApproved(ctx, empty.ID)
	require.NoError(t, err)
	assert.Empty(t, got)
}

func testDraftCountSince(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	base := now().Add(-10 * time.Hour)
	for i := range 5 {
		p := createProspect(t, s, c.ID, fmt.Sprintf("count-%d", i))
		d := newDraft(p, "Counted.")
		d.CreatedAt = base.Add(time.Duration(i) * time.Hour)
		d.UpdatedAt = d.CreatedAt
		_, _, err := s.Drafts.Upsert(ctx, d)
		require.NoError(t, err)
	}
	for since, want := range map[time.Duration]int{0: 5, time.Hour: 4, 90 * time.Minute: 3, 4 * time.Hour: 1, 5 * time.Hour: 0} {
		n, err := s.Drafts.CountSince(ctx, c.ID, base.Add(since))
		require.NoError(t, err)
		assert.Equal(t, want, n, "since base+%s", since)
	}
	n, err := s.Drafts.CountSince(ctx, newID(), base)
	require.NoError(t, err)
	assert.Zero(t, n)
}
