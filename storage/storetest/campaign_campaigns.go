package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

func testCampaignCRUD(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)

	got, err := s.Campaigns.Get(ctx, c.ID)
	require.NoError(t, err)
	assertCampaign(t, c, got)

	// Empty lists round-trip as empty, not as something else.
	bare, err := campaign.New(c.OwnerID, campaign.CreateInput{Name: "bare", Keywords: []string{"k"}}, now())
	require.NoError(t, err)
	require.NoError(t, s.Campaigns.Create(ctx, bare))
	got, err = s.Campaigns.Get(ctx, bare.ID)
	require.NoError(t, err)
	assert.Empty(t, got.SeedURLs)
	assert.Empty(t, got.Topics)
	assert.Equal(t, []string{"k"}, got.Keywords)

	dup := newCampaign(t, c.OwnerID, now())
	dup.ID = c.ID
	assert.ErrorIs(t, s.Campaigns.Create(ctx, dup), storage.ErrConflict)

	later := now().Add(time.Minute)
	name := "Renamed ✓"
	kw := []string{"bun", "River"}
	status := campaign.CampaignArchived
	updated, err := s.Campaigns.Update(ctx, c.ID, func(c *campaign.Campaign) error {
		return c.Patch(campaign.PatchInput{Name: &name, Keywords: &kw, Status: &status}, later)
	})
	require.NoError(t, err)
	want := *c
	want.Name, want.Keywords, want.Status, want.UpdatedAt = name, kw, status, later
	assertCampaign(t, &want, updated)
	got, err = s.Campaigns.Get(ctx, c.ID)
	require.NoError(t, err)
	assertCampaign(t, &want, got)

	_, err = s.Campaigns.Update(ctx, c.ID, func(c *campaign.Campaign) error {
		c.OwnerID = newID()
		return nil
	})
	require.Error(t, err, "the owner cannot change")
	got, err = s.Campaigns.Get(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.OwnerID, got.OwnerID)

	require.NoError(t, s.Campaigns.Delete(ctx, c.ID))
	_, err = s.Campaigns.Get(ctx, c.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	assert.ErrorIs(t, s.Campaigns.Delete(ctx, c.ID), storage.ErrNotFound, "deleting twice")
	_, err = s.Campaigns.Get(ctx, bare.ID)
	assert.NoError(t, err, "deleting one campaign leaves the owner's others")
}

func testCampaignNotFound(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	missing := newID()
	_, err := s.Campaigns.Get(ctx, missing)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	called := false
	_, err = s.Campaigns.Update(ctx, missing, func(*campaign.Campaign) error { called = true; return nil })
	assert.ErrorIs(t, err, storage.ErrNotFound)
	assert.False(t, called, "fn is not called for a missing campaign")
	assert.ErrorIs(t, s.Campaigns.Delete(ctx, missing), storage.ErrNotFound)
	_, err = s.Prospects.Get(ctx, missing)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = s.Drafts.Get(ctx, missing)
	assert.ErrorIs(t, err, storage.ErrNotFound)
	_, err = s.Drafts.Update(ctx, missing, func(*campaign.Draft) error { called = true; return nil })
	assert.ErrorIs(t, err, storage.ErrNotFound)
	assert.False(t, called)

	// Lists of an unknown campaign are empty, not errors.
	pp, err := s.Prospects.List(ctx, missing, storage.ListParams{})
	require.NoError(t, err)
	assert.Empty(t, pp.Items)
	dp, err := s.Drafts.List(ctx, missing, "", storage.ListParams{})
	require.NoError(t, err)
	assert.Empty(t, dp.Items)

	// A campaign of an unknown owner breaks the foreign key, where the
	// stores have a user table to point at.
	if s.Users != nil {
		orphan := newCampaign(t, newID(), now())
		assert.Error(t, s.Campaigns.Create(ctx, orphan))
		_, err = s.Campaigns.Get(ctx, orphan.ID)
		assert.ErrorIs(t, err, storage.ErrNotFound)
	}
}

func testCampaignListPaging(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	owner := createUser(t, s.Users)
	other := createUser(t, s.Users)
	var want []string
	for range 7 {
		want = append(want, createCampaign(t, s, owner.ID).ID)
	}
	createCampaign(t, s, other.ID)
	slices.Reverse(want) // newest first

	for _, limit := range []int{1, 3, 7, 50} {
		got := pageThrough(t, limit, func(c campaign.Campaign) string { return c.ID },
			func(p storage.ListParams) (storage.Page[campaign.Campaign], error) {
				return s.Campaigns.List(ctx, owner.ID, p)
			})
		assert.Equal(t, want, got, "limit %d: every campaign once, newest first", limit)
	}
	page, err := s.Campaigns.List(ctx, owner.ID, storage.ListParams{Limit: 7})
	require.NoError(t, err)
	assert.Empty(t, page.NextCursor, "an exactly full last page has no next cursor")
	for _, c := range page.Items {
		assert.Equal(t, owner.ID, c.OwnerID)
		assert.NotEmpty(t, c.Keywords)
	}
}

func testCampaignListAll(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	a := createCampaign(t, s)
	b := createCampaign(t, s)
	ids := pageThrough(t, 200, func(c campaign.Campaign) string { return c.ID },
		func(p storage.ListParams) (storage.Page[campaign.Campaign], error) {
			return s.Campaigns.List(ctx, "", p)
		})
	assert.Contains(t, ids, a.ID)
	assert.Contains(t, ids, b.ID)
	assert.True(t, slices.IsSortedFunc(ids, func(x, y string) int { return strings.Compare(y, x) }),
		"newest (greatest ID) first")
	seen := map[string]bool{}
	for _, id := range ids {
		assert.False(t, seen[id], "duplicate %s", id)
		seen[id] = true
	}
}

func testCampaignListInvalidCursor(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	for _, cur := range []string{"not base64!", "Zm9v", "dTE6YWJj"} {
		_, err := s.Campaigns.List(ctx, c.OwnerID, storage.ListParams{Cursor: cur})
		assert.ErrorIs(t, err, storage.ErrInvalidCursor, "cursor %q", cur)
		_, err = s.Prospects.List(ctx, c.ID, storage.ListParams{Cursor: cur})
		assert.ErrorIs(t, err, storage.ErrInvalidCursor, "cursor %q", cur)
		_, err = s.Drafts.List(ctx, c.ID, "", storage.ListParams{Cursor: cur})
		assert.ErrorIs(t, err, storage.ErrInvalidCursor, "cursor %q", cur)
	}
	// A cursor of one list is not a cursor of another.
	for range 2 {
		createCampaign(t, s, c.OwnerID)
	}
	page, err := s.Campaigns.List(ctx, c.OwnerID, storage.ListParams{Limit: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.NextCursor)
	_, err = s.Prospects.List(ctx, c.ID, storage.ListParams{Cursor: page.NextCursor})
	assert.ErrorIs(t, err, storage.ErrInvalidCursor)
}

func testCampaignUpdateErrorRollsBack(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	boom := errors.New("boom")
	_, err := s.Campaigns.Update(ctx, c.ID, func(c *campaign.Campaign) error {
		c.Name = "changed"
		c.Keywords = []string{"changed"}
		return boom
	})
	assert.ErrorIs(t, err, boom, "fn's error is returned")
	got, err := s.Campaigns.Get(ctx, c.ID)
	require.NoError(t, err)
	assertCampaign(t, c, got)

	// A validation error from Patch rolls back as well.
	empty := ""
	_, err = s.Campaigns.Update(ctx, c.ID, func(c *campaign.Campaign) error {
		return c.Patch(campaign.PatchInput{Name: &empty}, now())
	})
	var ve *campaign.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "name", ve.Field)
	got, err = s.Campaigns.Get(ctx, c.ID)
	require.NoError(t, err)
	assertCampaign(t, c, got)
}

func testCampaignDeleteCascades(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	keep := createCampaign(t, s, c.OwnerID)
	var prospects []*campaign.Prospect
	var drafts []*campaign.Draft
	for _, slug := range []string{"a", "b", "c"} {
		p := createProspect(t, s, c.ID, slug)
		prospects = append(prospects, p)
		drafts = append(drafts, createDraft(t, s, p, "A draft about "+slug+" and its details."))
	}
	kp := createProspect(t, s, keep.ID, "a")
	kd := createDraft(t, s, kp, "Kept draft.")

	require.NoError(t, s.Campaigns.Delete(ctx, c.ID))
	for _, p := range prospects {
		_, err := s.Prospects.Get(ctx, p.ID)
		assert.ErrorIs(t, err, storage.ErrNotFound, "prospect %s goes with its campaign", p.ID)
	}
	for _, d := range drafts {
		_, err := s.Drafts.Get(ctx, d.ID)
		assert.ErrorIs(t, err, storage.ErrNotFound, "draft %s goes with its campaign", d.ID)
	}
	_, err := s.Prospects.Get(ctx, kp.ID)
	assert.NoError(t, err, "another campaign's prospect stays")
	_, err = s.Drafts.Get(ctx, kd.ID)
	assert.NoError(t, err, "another campaign's draft stays")
}
