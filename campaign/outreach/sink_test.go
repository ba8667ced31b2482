package outreach_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// countingCampaigns counts the campaign reads of a real store.
type countingCampaigns struct {
	campaign.CampaignStore
	gets atomic.Int32
}

func (c *countingCampaigns) Get(ctx context.Context, id string) (*campaign.Campaign, error) {
	c.gets.Add(1)
	return c.CampaignStore.Get(ctx, id)
}

// countingProspects counts the prospect reads of a real store.
type countingProspects struct {
	campaign.ProspectStore
	gets, byURL atomic.Int32
}

func (p *countingProspects) Get(ctx context.Context, id string) (*campaign.Prospect, error) {
	p.gets.Add(1)
	return p.ProspectStore.Get(ctx, id)
}

func (p *countingProspects) ByCanonicalURL(ctx context.Context, campaignID, canonicalURL string) (*campaign.Prospect, error) {
	p.byURL.Add(1)
	return p.ProspectStore.ByCanonicalURL(ctx, campaignID, canonicalURL)
}

// TestSinkReadsEachRecordOnce: saving a prospect does not read its
// campaign, and a draft that names its prospect's id (as the crew's do)
// reads the prospect once, by id; a draft of an older checkpoint, without
// the id, still finds its prospect by URL. Saving again duplicates nothing.
func TestSinkReadsEachRecordOnce(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	ctx := t.Context()
	stores := bunstore.NewCampaignStores(db)
	camps := &countingCampaigns{CampaignStore: stores.Campaigns}
	pros := &countingProspects{ProspectStore: stores.Prospects}
	stores.Campaigns, stores.Prospects = camps, pros
	users := bunstore.NewUsers(db)
	owner := &auth.User{ID: uuid.NewString(), Email: "sink@example.test", Role: auth.RoleUser, PasswordHash: []byte("x")}
	require.NoError(t, users.CreateUser(ctx, owner))
	svc, err := campaign.NewService(campaign.Config{}, stores)
	require.NoError(t, err)
	c, err := svc.Create(ctx, &auth.Principal{User: owner}, campaign.CreateInput{Name: "Sink", Keywords: []string{"wal"}})
	require.NoError(t, err)
	crewSide, err := campaign.NewCrewService(campaign.CrewConfig{}, stores)
	require.NoError(t, err)
	sink := outreach.NewSink(crewSide)
	camps.gets.Store(0)

	post := agents.ProspectResult{CampaignID: c.ID, URL: "https://blog.example.test/wal?utm_source=x", CanonicalURL: "https://blog.example.test/wal",
		Title: "WAL", Text: "Checkpoints.", Relevance: 0.5, AcceptsComments: true}
	id, created, err := sink.SaveProspect(ctx, post)
	require.NoError(t, err)
	assert.True(t, created)
	again, created, err := sink.SaveProspect(ctx, post)
	require.NoError(t, err)
	assert.False(t, created, "the same campaign and URL is the same prospect")
	assert.Equal(t, id, again, "and keeps its id")
	assert.Zero(t, camps.gets.Load(), "a prospect save does not read its campaign")

	created, err = sink.SaveDraft(ctx, agents.DraftResult{CampaignID: c.ID, ProspectKey: post.Key(), ProspectID: id, Body: "Your point on checkpoints helped.", Score: 80})
	require.NoError(t, err)
	assert.True(t, created)
	assert.EqualValues(t, 1, pros.gets.Load(), "the prospect is read once, by id")
	assert.Zero(t, pros.byURL.Load(), "and never by URL")

	// A draft from a run checkpointed before prospects carried their id.
	created, err = sink.SaveDraft(ctx, agents.DraftResult{CampaignID: c.ID, ProspectKey: post.Key(), Body: "Your point on checkpoints helped a lot.", Score: 80})
	require.NoError(t, err)
	assert.False(t, created, "the prospect's draft is replaced, not doubled")
	assert.EqualValues(t, 1, pros.byURL.Load())
	drafts, err := svc.ListDrafts(ctx, &auth.Principal{User: owner}, c.ID, "", storage.ListParams{})
	require.NoError(t, err)
	require.Len(t, drafts.Items, 1)
	assert.Equal(t, id, drafts.Items[0].ProspectID)
	assert.Equal(t, "Your point on checkpoints helped a lot.", drafts.Items[0].Body)

	// An unknown campaign, found by the write, and a prospect id of
	// another campaign are not found.
	post.CampaignID = uuid.NewString()
	_, _, err = sink.SaveProspect(ctx, post)
	require.ErrorIs(t, err, campaign.ErrNotFound)
	c2, err := svc.Create(ctx, &auth.Principal{User: owner}, campaign.CreateInput{Name: "Other", Keywords: []string{"wal"}})
	require.NoError(t, err)
	_, err = sink.SaveDraft(ctx, agents.DraftResult{CampaignID: c2.ID, ProspectKey: "https://blog.example.test/wal", ProspectID: id, Body: "Misplaced."})
	require.ErrorIs(t, err, campaign.ErrNotFound)
}
