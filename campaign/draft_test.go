package campaign_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
)

func freshDraft() *campaign.Draft {
	return &campaign.Draft{ID: "d1", CampaignID: "c1", ProspectID: "p1", Body: "Original body.",
		Status: campaign.DraftUnreviewed, CreatedAt: t0, UpdatedAt: t0}
}

func TestDraftEdit(t *testing.T) {
	t.Parallel()
	d := freshDraft()
	t1 := t0.Add(time.Minute)
	require.NoError(t, d.Edit("u1", "  Better body.  ", t1))
	assert.Equal(t, "Better body.", d.Body)
	require.Len(t, d.Edits, 1)
	assert.Equal(t, campaign.Edit{At: t1, By: "u1", Body: "Original body."}, d.Edits[0])
	assert.True(t, d.UpdatedAt.Equal(t1))

	require.NoError(t, d.Edit("u1", "Better body.", t1.Add(time.Minute)))
	assert.Len(t, d.Edits, 1, "an unchanged body records no edit")

	for _, bad := range []string{"", "   ", strings.Repeat("b", campaign.MaxBodyChars+1), "nul\x00byte"} {
		err := d.Edit("u1", bad, t1)
		var ve *campaign.ValidationError
		require.ErrorAs(t, err, &ve, "%q", bad)
		assert.Equal(t, "body", ve.Field)
	}
	assert.Equal(t, "Better body.", d.Body, "a refused edit changes nothing")
	require.NoError(t, d.Edit("u1", strings.Repeat("é", campaign.MaxBodyChars), t1), "5000 characters, not bytes")

	for i := range campaign.MaxEditHistory + 10 {
		require.NoError(t, d.Edit("u2", strings.Repeat("x", i+1), t1))
	}
	assert.Len(t, d.Edits, campaign.MaxEditHistory, "the history is capped")
	assert.Equal(t, strings.Repeat("x", campaign.MaxEditHistory+9), d.Edits[campaign.MaxEditHistory-1].Body)
}

func TestDraftReviewOnce(t *testing.T) {
	t.Parallel()
	d := freshDraft()
	t1 := t0.Add(time.Hour)
	require.NoError(t, d.Approve("mod", t1))
	assert.Equal(t, campaign.DraftApproved, d.Status)
	require.NotNil(t, d.ReviewedBy)
	assert.Equal(t, "mod", *d.ReviewedBy)
	require.NotNil(t, d.ReviewedAt)
	assert.True(t, d.ReviewedAt.Equal(t1))

	assert.ErrorIs(t, d.Approve("mod2", t1), campaign.ErrAlreadyReviewed)
	assert.ErrorIs(t, d.Reject("mod2", "", t1), campaign.ErrAlreadyReviewed)
	assert.ErrorIs(t, d.Edit("owner", "new", t1), campaign.ErrNotEditable)
	assert.Equal(t, "mod", *d.ReviewedBy, "a refused review changes nothing")

	r := freshDraft()
	require.NoError(t, r.Reject("mod", "  off topic  ", t1))
	assert.Equal(t, campaign.DraftRejected, r.Status)
	assert.Equal(t, "off topic", r.RejectReason)
	assert.ErrorIs(t, r.Approve("mod", t1), campaign.ErrAlreadyReviewed)
	assert.ErrorIs(t, r.Edit("owner", "new", t1), campaign.ErrNotEditable)

	long := freshDraft()
	var ve *campaign.ValidationError
	require.ErrorAs(t, long.Reject("mod", strings.Repeat("r", 501), t1), &ve)
	assert.Equal(t, "reason", ve.Field)
	assert.Equal(t, campaign.DraftUnreviewed, long.Status)
	require.NoError(t, long.Reject("mod", strings.Repeat("r", 500), t1))
}

func TestStatusValid(t *testing.T) {
	t.Parallel()
	for _, s := range []campaign.DraftStatus{campaign.DraftUnreviewed, campaign.DraftApproved, campaign.DraftRejected} {
		assert.True(t, s.Valid(), s)
	}
	for _, s := range []campaign.DraftStatus{"", "Draft", "pending"} {
		assert.False(t, s.Valid(), s)
	}
	assert.Equal(t, "kept", campaign.Kept.String())
}
