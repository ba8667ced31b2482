package storetest

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage"
)

func testProspectByCanonicalURL(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	p := createProspect(t, s, c.ID, "by-url")
	got, err := s.Prospects.ByCanonicalURL(ctx, c.ID, p.CanonicalURL)
	require.NoError(t, err)
	assertProspect(t, p, got, true)

	other := createCampaign(t, s, c.OwnerID)
	_, err = s.Prospects.ByCanonicalURL(ctx, other.ID, p.CanonicalURL)
	assert.True(t, errors.Is(err, storage.ErrNotFound), "another campaign's prospect is not found: %v", err)
	_, err = s.Prospects.ByCanonicalURL(ctx, c.ID, p.CanonicalURL+"-missing")
	assert.True(t, errors.Is(err, storage.ErrNotFound), "%v", err)
}

func testDraftedURLs(t *testing.T, s CampaignStores) {
	ctx := t.Context()
	c := createCampaign(t, s)
	drafted := createProspect(t, s, c.ID, "drafted")
	createProspect(t, s, c.ID, "not-drafted")
	createDraft(t, s, drafted, "A draft about the drafted post's index advice.")

	urls, err := s.Drafts.DraftedURLs(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{drafted.CanonicalURL}, urls)

	empty := createCampaign(t, s, c.OwnerID)
	urls, err = s.Drafts.DraftedURLs(ctx, empty.ID)
	require.NoError(t, err)
	assert.Empty(t, urls)
}
