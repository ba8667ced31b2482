// Package campaignmem is the in-memory reference adapter of the campaign
// store ports (campaign.CampaignStore, campaign.ProspectStore,
// campaign.DraftStore). It runs the same conformance suite as the bun
// stores (storage/storetest.TestCampaignStores), so a domain test, an
// example or an embedder's prototype can use the campaign service and the
// crew's sink without a database. Data lives in one process and is gone
// when it ends; see docs/architecture.md for where adapters sit.
//
// The three stores of one Store share their data, so deleting a campaign
// removes its prospects and drafts, as the database's cascade does. Runs
// are the crew's: agents/crewtest.RunStore keeps them in memory.
package campaignmem
