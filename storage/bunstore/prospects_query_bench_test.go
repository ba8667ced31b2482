package bunstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// BenchmarkProspectQuery lists a 10,000-prospect campaign the way the
// dashboard does: sorted by relevance, a page of 50, first and deep pages
// (go test -run - -bench ProspectQuery ./storage/bunstore).
func BenchmarkProspectQuery(b *testing.B) {
	db := dbtest.SQLite(b)
	ctx := b.Context()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	u := &auth.User{ID: uuid.NewString(), Email: "bench@example.test", Role: auth.RoleUser, PasswordHash: []byte("x"), CreatedAt: at, UpdatedAt: at}
	require.NoError(b, bunstore.NewUsers(db).CreateUser(ctx, u))
	c, err := campaign.New(u.ID, campaign.CreateInput{Name: "Bench", Keywords: []string{"go"}}, at)
	require.NoError(b, err)
	require.NoError(b, bunstore.NewCampaigns(db).Create(ctx, c))
	const n = 10000
	require.NoError(b, db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		ps := bunstore.NewProspects(tx)
		for i := range n {
			pub := at.Add(-time.Duration(i%997) * time.Hour)
			u := fmt.Sprintf("https://b%d.example/p", i)
			if _, _, err := ps.Upsert(ctx, &campaign.Prospect{
				ID: uuid.Must(uuid.NewV7()).String(), CampaignID: c.ID, URL: u, CanonicalURL: u,
				Site: fmt.Sprintf("b%d.example", i), Title: fmt.Sprintf("Post %d", i), Author: "Ada", PublishedAt: &pub,
				Summary: "s", Relevance: float64(i%101) / 100, AcceptsComments: i%3 != 0, CommentSystem: campaign.CommentsNative,
				CreatedAt: at, UpdatedAt: at,
			}); err != nil {
				return err
			}
		}
		return nil
	}))
	store := bunstore.NewProspects(db)
	q := campaign.ProspectQuery{Sort: campaign.SortRelevance, Desc: true, Limit: 50}
	deep := q
	for range 100 { // the cursor of page 101
		page, err := store.Query(ctx, c.ID, deep)
		require.NoError(b, err)
		deep.Cursor = page.NextCursor
	}
	for name, query := range map[string]campaign.ProspectQuery{"page1": q, "page101": deep,
		"filtered": {Sort: campaign.SortTitle, Search: "post 12", AcceptsComments: true, Limit: 50}} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				page, err := store.Query(ctx, c.ID, query)
				if err != nil || len(page.Items) == 0 || page.Total == 0 {
					b.Fatalf("query: %v, %d items, total %d", err, len(page.Items), page.Total)
				}
			}
		})
	}
}
