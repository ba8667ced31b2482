package bunstore_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// TestRunsCountByStatus counts runs of two owners and campaigns by status,
// on SQLite and PostgreSQL, before and after a status change.
func TestRunsCountByStatus(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := t.Context()
		runs := bunstore.NewRuns(db)

		empty, err := runs.CountByStatus(ctx)
		require.NoError(t, err)
		assert.Equal(t, map[agents.RunStatus]int{
			agents.RunQueued: 0, agents.RunRunning: 0, agents.RunSucceeded: 0, agents.RunFailed: 0, agents.RunCancelled: 0,
		}, empty, "every status is present, zero on an empty table")

		owners := []string{uuid.Must(uuid.NewV7()).String(), uuid.Must(uuid.NewV7()).String()}
		camps := []string{newRunCampaign(t, db, owners[0]), newRunCampaign(t, db, owners[1])}
		want := map[agents.RunStatus]int{
			agents.RunQueued: 3, agents.RunRunning: 2, agents.RunSucceeded: 4, agents.RunFailed: 1, agents.RunCancelled: 0,
		}
		var firstQueued string
		i := 0
		for status, n := range want {
			for range n {
				r := &agents.Run{
					ID: uuid.Must(uuid.NewV7()).String(), CampaignID: camps[i%2], OwnerID: owners[i%2],
					Status: status, CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
				}
				require.NoError(t, runs.Create(ctx, r))
				if status == agents.RunQueued && firstQueued == "" {
					firstQueued = r.ID
				}
				i++
			}
		}
		got, err := runs.CountByStatus(ctx)
		require.NoError(t, err)
		assert.Equal(t, want, got)

		_, err = runs.Update(ctx, firstQueued, func(r *agents.Run) error {
			r.Status = agents.RunCancelled
			return nil
		})
		require.NoError(t, err)
		got, err = runs.CountByStatus(ctx)
		require.NoError(t, err)
		want[agents.RunQueued]--
		want[agents.RunCancelled]++
		assert.Equal(t, want, got)
	})
}
