package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

func testProspectRoundTrip(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	p := newProspect(c.ID, "blog.example.test", "round-trip")
	p.Title = "Ünïcode — “quotes” and 'apostrophes'"
	p.Relevance = 0.123456789
	saved, created, err := s.Prospects.Upsert(ctx, p)
	require.NoError(t, err)
	assert.True(t, created)
	assertProspect(t, p, saved, true)
	got, err := s.Prospects.Get(ctx, p.ID)
	require.NoError(t, err)
	assertProspect(t, p, got, true)

	bare := newProspect(c.ID, "blog.example.test", "bare")
	bare.PublishedAt, bare.AcceptsComments, bare.CommentSystem, bare.RunID = nil, false, campaign.CommentsNone, ""
	bare.Language, bare.Dir = "", ""
	_, _, err = s.Prospects.Upsert(ctx, bare)
	require.NoError(t, err)
	got, err = s.Prospects.Get(ctx, bare.ID)
	require.NoError(t, err)
	assertProspect(t, bare, got, true)
}

// testProspectUpsertUnknownCampaign: a prospect of a campaign that does
// not exist (or no longer does) is storage.ErrNotFound, reported by the
// write itself, and nothing is stored.
func testProspectUpsertUnknownCampaign(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	gone := createCampaign(t, s)
	require.NoError(t, s.Campaigns.Delete(ctx, gone.ID))
	p := newProspect(gone.ID, "blog.example.test", "orphan")
	_, _, err := s.Prospects.Upsert(ctx, p)
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = s.Prospects.Get(ctx, p.ID)
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = s.Prospects.ByCanonicalURL(ctx, gone.ID, p.CanonicalURL)
	require.ErrorIs(t, err, storage.ErrNotFound)
}

func testProspectUpsertIdempotent(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	first := newProspect(c.ID, "blog.example.test", "same-post")
	saved, created, err := s.Prospects.Upsert(ctx, first)
	require.NoError(t, err)
	require.True(t, created)

	// The same post found again, by another run, with fresher data.
	again := newProspect(c.ID, "blog.example.test", "same-post")
	again.URL = "https://blog.example.test/same-post?utm_medium=social"
	again.Title, again.Relevance, again.AcceptsComments = "Updated title", 0.9, false
	again.Language, again.Dir = "ar", campaign.DirRTL
	again.CreatedAt = first.CreatedAt.Add(time.Hour)
	again.UpdatedAt = first.UpdatedAt.Add(time.Hour)
	resaved, created, err := s.Prospects.Upsert(ctx, again)
	require.NoError(t, err)
	assert.False(t, created, "the same canonical URL is not new")
	want := *again
	want.ID, want.CreatedAt = first.ID, first.CreatedAt
	assertProspect(t, &want, resaved, true)
	assert.Equal(t, saved.ID, resaved.ID, "the prospect keeps its ID")

	got, err := s.Prospects.Get(ctx, first.ID)
	require.NoError(t, err)
	assertProspect(t, &want, got, true)
	_, err = s.Prospects.Get(ctx, again.ID)
	assert.Error(t, err, "the second ID was never stored")

	page, err := s.Prospects.List(ctx, c.ID, storage.ListParams{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "one row per canonical URL")

	// The same URL in another campaign is another prospect.
	other := createCampaign(t, s, c.OwnerID)
	elsewhere := newProspect(other.ID, "blog.example.test", "same-post")
	_, created, err = s.Prospects.Upsert(ctx, elsewhere)
	require.NoError(t, err)
	assert.True(t, created)
}

func testProspectUpsertConcurrent(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	const n = 8
	var wg sync.WaitGroup
	ids := make([]string, n)
	createdBy := make([]bool, n)
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			p := newProspect(c.ID, "blog.example.test", "contended")
			p.Title = fmt.Sprintf("writer %d", i)
			saved, created, err := s.Prospects.Upsert(ctx, p)
			errs[i], createdBy[i] = err, created
			if err == nil {
				ids[i] = saved.ID
			}
		})
	}
	close(start)
	wg.Wait()
	news := 0
	for i := range n {
		require.NoError(t, errs[i], "writer %d", i)
		assert.Equal(t, ids[0], ids[i], "every writer sees the one row")
		if createdBy[i] {
			news++
		}
	}
	assert.Equal(t, 1, news, "exactly one writer inserted")
	page, err := s.Prospects.List(ctx, c.ID, storage.ListParams{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1)
}

func testProspectListPaging(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	other := createCampaign(t, s, c.OwnerID)
	var want []string
	byID := map[string]*campaign.Prospect{}
	for i := range 7 {
		p := createProspect(t, s, c.ID, fmt.Sprintf("post-%d", i))
		want = append(want, p.ID)
		byID[p.ID] = p
	}
	createProspect(t, s, other.ID, "post-x")
	for _, limit := range []int{1, 2, 7, 100} {
		got := pageThrough(t, limit, func(p campaign.Prospect) string { return p.ID },
			func(lp storage.ListParams) (storage.Page[campaign.Prospect], error) {
				return s.Prospects.List(ctx, c.ID, lp)
			})
		assert.Equal(t, want, got, "limit %d: every prospect once, in the order found", limit)
	}
	page, err := s.Prospects.List(ctx, c.ID, storage.ListParams{Limit: 3})
	require.NoError(t, err)
	for i := range page.Items {
		assertProspect(t, byID[page.Items[i].ID], &page.Items[i], false)
	}
}
