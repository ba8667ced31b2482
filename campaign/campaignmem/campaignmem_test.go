package campaignmem_test

import (
	"testing"

	"github.com/kpbot/kpbot/campaign/campaignmem"
	"github.com/kpbot/kpbot/storage/storetest"
)

// TestCampaignStores runs the campaign conformance suite, the one the bun
// stores run on SQLite and PostgreSQL, on the in-memory stores; every
// scenario shares one Store, as the bun ones share one database.
func TestCampaignStores(t *testing.T) {
	t.Parallel()
	s := campaignmem.New()
	storetest.TestCampaignStores(t, func(*testing.T) storetest.CampaignStores {
		return storetest.CampaignStores{Campaigns: s.Campaigns(), Prospects: s.Prospects(), Drafts: s.Drafts()}
	})
}
