package bunstore_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestRunStore runs the run store suite on SQLite and PostgreSQL.
func TestRunStore(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		storetest.TestRunStore(t, func(*testing.T) storetest.RunFixture {
			return storetest.RunFixture{
				Runs:        bunstore.NewRuns(db),
				NewCampaign: func(t *testing.T, ownerID string) string { return newRunCampaign(t, db, ownerID) },
				DeleteCampaign: func(t *testing.T, id string) {
					require.NoError(t, bunstore.NewCampaigns(db).Delete(t.Context(), id))
				},
			}
		})
	})
}

// newRunCampaign saves a campaign of ownerID, creating the user if needed.
func newRunCampaign(t *testing.T, db *bun.DB, ownerID string) string {
	t.Helper()
	ctx := t.Context()
	at := time.Now().UTC().Truncate(time.Microsecond)
	users := bunstore.NewUsers(db)
	if _, err := users.UserByID(ctx, ownerID); err != nil {
		require.NoError(t, users.CreateUser(ctx, &auth.User{
			ID: ownerID, Email: ownerID + "@runs.example.test", Role: auth.RoleUser,
			PasswordHash: []byte("x"), CreatedAt: at, UpdatedAt: at,
		}))
	}
	c, err := campaign.New(ownerID, campaign.CreateInput{Name: "runs", Keywords: []string{"go"}}, at)
	require.NoError(t, err)
	require.NoError(t, bunstore.NewCampaigns(db).Create(ctx, c))
	return c.ID
}
