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

// TestRunsCountByHour buckets runs by the UTC hour of their creation and
// status, leaving out those created before since.
func TestRunsCountByHour(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := t.Context()
		runs := bunstore.NewRuns(db)
		owner := uuid.Must(uuid.NewV7()).String()
		camp := newRunCampaign(t, db, owner)
		h := time.Now().UTC().Truncate(time.Hour)
		for _, r := range []struct {
			at     time.Time
			status agents.RunStatus
		}{
			{h.Add(-3 * time.Hour), agents.RunSucceeded}, // before since
			{h.Add(-2*time.Hour + time.Minute), agents.RunSucceeded},
			{h.Add(-2*time.Hour + 59*time.Minute), agents.RunSucceeded},
			{h.Add(-2*time.Hour + 30*time.Minute), agents.RunFailed},
			{h.Add(time.Second), agents.RunQueued},
		} {
			require.NoError(t, runs.Create(ctx, &agents.Run{
				ID: uuid.Must(uuid.NewV7()).String(), CampaignID: camp, OwnerID: owner, Status: r.status, CreatedAt: r.at,
			}))
		}
		got, err := runs.CountByHour(ctx, h.Add(-2*time.Hour))
		require.NoError(t, err)
		assert.Equal(t, []bunstore.HourStatusCount{
			{Hour: h.Add(-2 * time.Hour), Status: agents.RunFailed, N: 1},
			{Hour: h.Add(-2 * time.Hour), Status: agents.RunSucceeded, N: 2},
			{Hour: h, Status: agents.RunQueued, N: 1},
		}, got)
	})
}
