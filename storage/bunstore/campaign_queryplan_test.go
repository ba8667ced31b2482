package bunstore_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// TestCampaignListsUseIndexes checks SQLite's plans for the campaign
// area's lists: each is a SEARCH on an index in the order it returns, so
// it neither scans a table nor sorts (except the export, which sorts the
// few approved drafts of one campaign by approval time).
func TestCampaignListsUseIndexes(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	var queries []string
	hook := &captureHook{capture: func(q string) { queries = append(queries, q) }}
	db = db.WithQueryHook(hook)
	ctx := t.Context()
	cur := func(tag string) string { return base64.RawURLEncoding.EncodeToString([]byte(tag + "x")) }
	campaigns, prospects, drafts := bunstore.NewCampaigns(db), bunstore.NewProspects(db), bunstore.NewDrafts(db)
	_, _ = campaigns.List(ctx, "owner", storage.ListParams{Limit: 2, Cursor: cur("c1:")})
	_, _ = campaigns.List(ctx, "", storage.ListParams{Limit: 2, Cursor: cur("c1:")})
	_, _ = prospects.List(ctx, "c", storage.ListParams{Limit: 2, Cursor: cur("p1:")})
	_, _ = drafts.List(ctx, "c", campaign.DraftApproved, storage.ListParams{Limit: 2, Cursor: cur("d1:")})
	_, _ = drafts.List(ctx, "c", "", storage.ListParams{Limit: 2, Cursor: cur("d1:")})
	_, _ = drafts.Others(ctx, "c", "p")
	_, _ = drafts.CountSince(ctx, "c", time.Now())
	_, _ = drafts.ListApproved(ctx, "c")
	hook.capture = nil
	require.Len(t, queries, 8)

	for i, q := range queries {
		joined := strings.Join(queryPlan(t, ctx, db.DB, q), "; ")
		assert.NotContains(t, joined, "SCAN", "query %s\nplan: %s", q, joined)
		if i < len(queries)-1 {
			assert.NotContains(t, joined, "TEMP B-TREE", "query %s must not sort: %s", q, joined)
		}
	}
}
