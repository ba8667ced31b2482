package crewtest_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestRunStore runs the run store suite on the in-memory store.
func TestRunStore(t *testing.T) {
	t.Parallel()
	store := crewtest.NewRunStore()
	storetest.TestRunStore(t, func(*testing.T) storetest.RunFixture {
		return storetest.RunFixture{
			Runs:        store,
			NewCampaign: func(*testing.T, string) string { return uuid.Must(uuid.NewV7()).String() },
		}
	})
}
