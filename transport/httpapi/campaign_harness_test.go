package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
)

// campaignKeys are the fields of a campaign response.
var campaignKeys = []string{"id", "owner_id", "name", "keywords", "seed_urls", "topics", "language", "tone",
	"max_prospects", "comment_guidelines", "allow_links", "daily_draft_limit", "status", "created_at", "updated_at"}

// page is a decoded list response.
type page struct {
	Items      []map[string]any `json:"items"`
	NextCursor string           `json:"next_cursor"`
}

func (r *resp) page(t *testing.T) page {
	t.Helper()
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var p page
	require.NoError(t, json.Unmarshal(r.body, &p), "body: %s", r.body)
	require.NotNil(t, p.Items, "items is an array, never null: %s", r.body)
	return p
}

// moderator registers a user and has an admin promote it to moderator.
func (e *testEnv) moderator(root tokens, email string) tokens {
	e.t.Helper()
	tk := e.register(email, "moderator-password")
	r := e.do("PATCH", "/api/admin/users/"+tk.User["id"].(string), map[string]any{"role": "moderator"}, bearer(root.AccessToken))
	require.Equal(e.t, http.StatusOK, r.status, "body: %s", r.body)
	return tk
}

// createCampaign creates a campaign over HTTP and returns its response.
func (e *testEnv) createCampaign(tok tokens, name string, keywords ...string) map[string]any {
	e.t.Helper()
	if len(keywords) == 0 {
		keywords = []string{"golang", "testing"}
	}
	r := e.do("POST", "/api/campaigns", map[string]any{"name": name, "keywords": keywords}, bearer(tok.AccessToken))
	require.Equal(e.t, http.StatusCreated, r.status, "body: %s", r.body)
	var m map[string]any
	require.NoError(e.t, json.Unmarshal(r.body, &m))
	return m
}

// seedProspect stores a prospect the way the crew does.
func (e *testEnv) seedProspect(campaignID, url, title string) *campaign.Prospect {
	e.t.Helper()
	pr, created, err := e.crew.SaveProspect(context.Background(), campaign.Prospect{
		CampaignID: campaignID, URL: url, Site: "blog.example.com", Title: title, Author: "Ada",
		Summary: "A post about " + title, Text: "Full text of " + title, Relevance: 0.75,
		AcceptsComments: true, CommentSystem: campaign.CommentsWordPress, Language: "he", Dir: campaign.DirRTL,
	})
	require.NoError(e.t, err)
	require.True(e.t, created)
	return pr
}

// prospectInput is a post found at url, published at published (nil:
// unknown).
func (e *testEnv) prospectInput(campaignID, url string, published *time.Time) campaign.Prospect {
	return campaign.Prospect{
		CampaignID: campaignID, URL: url, Site: "blog.example.com", Title: "Dated post",
		Summary: "A dated post", Relevance: 0.5, PublishedAt: published, CommentSystem: campaign.CommentsNone,
	}
}

// seedDraft stores a draft for a prospect the way the crew does.
func (e *testEnv) seedDraft(campaignID, prospectID, body string) *campaign.Draft {
	e.t.Helper()
	d, outcome, err := e.crew.SaveDraft(context.Background(), campaign.DraftInput{
		CampaignID: campaignID, ProspectID: prospectID, Body: body, Score: 80, Flags: []string{"specific"},
	})
	require.NoError(e.t, err)
	require.Equal(e.t, campaign.Inserted, outcome)
	return d
}

// seedCampaign creates a campaign with n prospects, each with a draft; it
// returns the campaign id and the draft ids in the order seeded. The clock
// moves a second between drafts so their times differ.
func (e *testEnv) seedCampaign(tok tokens, name string, n int) (string, []string) {
	e.t.Helper()
	id := e.createCampaign(tok, name)["id"].(string)
	drafts := make([]string, n)
	for i := range n {
		pr := e.seedProspect(id, fmt.Sprintf("https://blog.example.com/%s/post-%d", id, i), fmt.Sprintf("Post %d", i))
		drafts[i] = e.seedDraft(id, pr.ID, fmt.Sprintf("Your point %d about goroutine leaks matches what we saw.", i)).ID
		e.clock.Advance(time.Second)
	}
	return id, drafts
}
