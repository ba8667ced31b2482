package campaign_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

func TestOnReviewedHook(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	f := newFixture(t, db)
	var mu sync.Mutex
	var seen []string
	var err error
	f.svc, err = campaign.NewService(campaign.Config{
		Now: func() time.Time { return *f.clock },
		OnReviewed: func(_ context.Context, c *campaign.Campaign, d *campaign.Draft) {
			mu.Lock()
			defer mu.Unlock()
			seen = append(seen, c.ID+"/"+d.ID+"/"+string(d.Status))
		},
	}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	c, _, ds := f.seed(t, 3)
	ctx := t.Context()

	_, err = f.svc.ApproveDraft(ctx, f.mod, ds[0].ID)
	require.NoError(t, err)
	_, err = f.svc.RejectDraft(ctx, f.admin, ds[1].ID, "generic")
	require.NoError(t, err)
	_, err = f.svc.ApproveDraft(ctx, f.owner, ds[2].ID)
	assert.ErrorIs(t, err, campaign.ErrForbidden)
	_, err = f.svc.ApproveDraft(ctx, f.mod, ds[0].ID)
	assert.ErrorIs(t, err, campaign.ErrAlreadyReviewed)

	assert.Equal(t, []string{
		c.ID + "/" + ds[0].ID + "/approved",
		c.ID + "/" + ds[1].ID + "/rejected",
	}, seen, "only successful reviews call the hook")
}
