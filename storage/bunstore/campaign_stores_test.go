package bunstore_test

import (
	"testing"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestCampaignStores runs the campaign conformance suite on SQLite and
// PostgreSQL, all scenarios of one database sharing it.
func TestCampaignStores(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		storetest.TestCampaignStores(t, func(*testing.T) storetest.CampaignStores {
			return storetest.CampaignStores{
				Users:     bunstore.NewUsers(db),
				Campaigns: bunstore.NewCampaigns(db),
				Prospects: bunstore.NewProspects(db),
				Drafts:    bunstore.NewDrafts(db),
			}
		})
	})
}
