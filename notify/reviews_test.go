package notify_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// TestReviewNotifierPublishesAndNotifiesOwner: a review by someone else
// goes to the campaign's followers and to its owner; the owner's own
// review only to the followers.
func TestReviewNotifierPublishesAndNotifiesOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t))
	_, err := notify.NewReviewNotifier(nil, nil)
	require.Error(t, err, "the service is required")
	rn, err := notify.NewReviewNotifier(e.svc, nil)
	require.NoError(t, err)
	owner, moderator := e.user, e.newUser(t)
	c := &campaign.Campaign{ID: "camp-r", OwnerID: owner.User.ID, Name: "Gophers"}

	d := &campaign.Draft{ID: "draft-1", CampaignID: c.ID, ProspectID: "p-1", Status: "draft"}
	require.NoError(t, d.Reject(moderator.User.ID, "too salesy", e.now))
	rn.Reviewed(t.Context(), c, d)

	evs, err := e.log.After(t.Context(), events.CampaignTopic(c.ID), 0, 10)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, events.CommentReviewed, evs[0].Name)
	var data notify.CommentReviewedData
	require.NoError(t, json.Unmarshal(evs[0].Data, &data))
	assert.Equal(t, "draft-1", data.DraftID)
	assert.Equal(t, "p-1", data.ProspectID)
	assert.Equal(t, "rejected", data.Status)
	assert.Equal(t, moderator.User.ID, data.ReviewedBy)

	page, err := e.svc.List(t.Context(), owner, notify.ListParams{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	n := page.Items[0]
	assert.Equal(t, notify.KindCommentReviewed, n.Kind)
	assert.Equal(t, "Comment rejected", n.Title)
	assert.Contains(t, n.Body, `"Gophers"`)
	assert.Contains(t, n.Body, "Reason: too salesy")

	mine := &campaign.Draft{ID: "draft-2", CampaignID: c.ID, ProspectID: "p-2", Status: "draft"}
	require.NoError(t, mine.Approve(owner.User.ID, e.now))
	rn.Reviewed(t.Context(), c, mine)
	evs, err = e.log.After(t.Context(), events.CampaignTopic(c.ID), 0, 10)
	require.NoError(t, err)
	assert.Len(t, evs, 2, "the followers hear of the owner's review too")
	page, err = e.svc.List(t.Context(), owner, notify.ListParams{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 1, "the owner is not told of their own review")
}
