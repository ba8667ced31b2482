package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
)

// CampaignStores are the stores the campaign suite runs against. Users
// creates the owners and reviewers the campaign tables reference; it may
// be nil for stores that reference no user table (campaign/campaignmem).
type CampaignStores struct {
	Users     auth.UserStore
	Campaigns campaign.CampaignStore
	Prospects campaign.ProspectStore
	Drafts    campaign.DraftStore
}

// TestCampaignStores runs every campaign, prospect and draft store
// scenario against the stores newStores returns. newStores is called once
// per scenario and may return stores over one shared database: every
// scenario makes its own users and campaigns.
func TestCampaignStores(t *testing.T, newStores func(t *testing.T) CampaignStores) {
	t.Helper()
	scenarios := []struct {
		name string
		fn   func(t *testing.T, s CampaignStores)
	}{
		{"CampaignCRUD", testCampaignCRUD},
		{"CampaignNotFound", testCampaignNotFound},
		{"CampaignListPaging", testCampaignListPaging},
		{"CampaignListAll", testCampaignListAll},
		{"CampaignListInvalidCursor", testCampaignListInvalidCursor},
		{"CampaignUpdateErrorRollsBack", testCampaignUpdateErrorRollsBack},
		{"CampaignDeleteCascades", testCampaignDeleteCascades},
		{"ProspectRoundTrip", testProspectRoundTrip},
		{"ProspectUpsertIdempotent", testProspectUpsertIdempotent},
		{"ProspectUpsertConcurrent", testProspectUpsertConcurrent},
		{"ProspectUpsertUnknownCampaign", testProspectUpsertUnknownCampaign},
		{"ProspectListPaging", testProspectListPaging},
		{"DraftRoundTrip", testDraftRoundTrip},
		{"DraftUpsertReplacesUnreviewed", testDraftUpsertReplacesUnreviewed},
		{"DraftUpsertKeepsReviewed", testDraftUpsertKeepsReviewed},
		{"DraftUpsertKeepsEdited", testDraftUpsertKeepsEdited},
		{"DraftUpsertConcurrent", testDraftUpsertConcurrent},
		{"DraftUpsertRacesReview", testDraftUpsertRacesReview},
		{"DraftUpdateErrorRollsBack", testDraftUpdateErrorRollsBack},
		{"DraftListStatusFilter", testDraftListStatusFilter},
		{"DraftOthers", testDraftOthers},
		{"DraftListApproved", testDraftListApproved},
		{"DraftCountSince", testDraftCountSince},
		{"ProspectByCanonicalURL", testProspectByCanonicalURL},
		{"DraftedURLs", testDraftedURLs},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.fn(t, newStores(t))
		})
	}
}

// newCampaign returns an unsaved, valid campaign of owner created at `at`.
func newCampaign(t *testing.T, owner string, at time.Time) *campaign.Campaign {
	t.Helper()
	c, err := campaign.New(owner, campaign.CreateInput{
		Name:              "Campaign " + newID()[24:],
		Keywords:          []string{"go", "sqlite", "Postgres"},
		SeedURLs:          []string{"https://blog.example.test/", "https://other.example.test/feed"},
		Topics:            []string{"databases"},
		Language:          "en-GB",
		Tone:              "professional",
		MaxProspects:      25,
		CommentGuidelines: "Be specific.\nNo links.",
		AllowLinks:        true,
		DailyDraftLimit:   7,
	}, at)
	require.NoError(t, err)
	return c
}

// createCampaign saves a new campaign of a new user, or of owner when
// given, and returns it.
func createCampaign(t *testing.T, s CampaignStores, owner ...string) *campaign.Campaign {
	t.Helper()
	o := ""
	if len(owner) > 0 {
		o = owner[0]
	} else {
		o = createUser(t, s.Users).ID
	}
	c := newCampaign(t, o, now())
	require.NoError(t, s.Campaigns.Create(t.Context(), c))
	return c
}

// newProspect returns an unsaved prospect of campaignID at canonical URL
// https://<site>/<slug>.
func newProspect(campaignID, site, slug string) *campaign.Prospect {
	at := now()
	published := at.Add(-48 * time.Hour)
	u := fmt.Sprintf("https://%s/%s", site, slug)
	return &campaign.Prospect{
		ID: newID(), CampaignID: campaignID,
		URL: u + "?utm_source=feed", CanonicalURL: u, Site: site,
		Title: "Post " + slug, Author: "Ada", PublishedAt: &published,
		Summary: "About " + slug, Text: "The main text of " + slug + ".\n\nSecond paragraph.",
		Relevance: 0.75, AcceptsComments: true, CommentSystem: campaign.CommentsWordPress,
		Language: "pt-BR", Dir: campaign.DirLTR,
		RunID: newID(), CreatedAt: at, UpdatedAt: at,
	}
}

// createProspect upserts a new prospect and returns the stored one.
func createProspect(t *testing.T, s CampaignStores, campaignID, slug string) *campaign.Prospect {
	t.Helper()
	p, created, err := s.Prospects.Upsert(t.Context(), newProspect(campaignID, "blog.example.test", slug))
	require.NoError(t, err)
	require.True(t, created)
	return p
}

// newDraft returns an unsaved draft for prospect p.
func newDraft(p *campaign.Prospect, body string) *campaign.Draft {
	at := now()
	return &campaign.Draft{
		ID: newID(), CampaignID: p.CampaignID, ProspectID: p.ID,
		Body: body, Status: campaign.DraftUnreviewed, Score: 80,
		Flags: []string{"specific"}, CreatedAt: at, UpdatedAt: at,
	}
}

// createDraft upserts a new draft for p and returns the stored one.
func createDraft(t *testing.T, s CampaignStores, p *campaign.Prospect, body string) *campaign.Draft {
	t.Helper()
	d, outcome, err := s.Drafts.Upsert(t.Context(), newDraft(p, body))
	require.NoError(t, err)
	require.Equal(t, campaign.Inserted, outcome)
	return d
}

func assertCampaign(t *testing.T, want, got *campaign.Campaign) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.OwnerID, got.OwnerID)
	assert.Equal(t, want.Name, got.Name)
	assert.Equal(t, want.Keywords, got.Keywords)
	assert.Equal(t, want.SeedURLs, got.SeedURLs)
	assert.Equal(t, want.Topics, got.Topics)
	assert.Equal(t, want.Language, got.Language)
	assert.Equal(t, want.Tone, got.Tone)
	assert.Equal(t, want.MaxProspects, got.MaxProspects)
	assert.Equal(t, want.CommentGuidelines, got.CommentGuidelines)
	assert.Equal(t, want.AllowLinks, got.AllowLinks)
	assert.Equal(t, want.DailyDraftLimit, got.DailyDraftLimit)
	assert.Equal(t, want.Status, got.Status)
	assertTime(t, want.CreatedAt, got.CreatedAt, "campaign CreatedAt")
	assertTime(t, want.UpdatedAt, got.UpdatedAt, "campaign UpdatedAt")
}

func assertProspect(t *testing.T, want, got *campaign.Prospect, withText bool) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.CampaignID, got.CampaignID)
	assert.Equal(t, want.URL, got.URL)
	assert.Equal(t, want.CanonicalURL, got.CanonicalURL)
	assert.Equal(t, want.Site, got.Site)
	assert.Equal(t, want.Title, got.Title)
	assert.Equal(t, want.Author, got.Author)
	if want.PublishedAt == nil {
		assert.Nil(t, got.PublishedAt)
	} else if assert.NotNil(t, got.PublishedAt) {
		assertTime(t, *want.PublishedAt, *got.PublishedAt, "prospect PublishedAt")
	}
	assert.Equal(t, want.Summary, got.Summary)
	if withText {
		assert.Equal(t, want.Text, got.Text)
	} else {
		assert.Empty(t, got.Text, "lists leave the text out")
	}
	assert.InDelta(t, want.Relevance, got.Relevance, 1e-9)
	assert.Equal(t, want.AcceptsComments, got.AcceptsComments)
	assert.Equal(t, want.CommentSystem, got.CommentSystem)
	assert.Equal(t, want.Language, got.Language)
	assert.Equal(t, want.Dir, got.Dir)
	assert.Equal(t, want.RunID, got.RunID)
	assertTime(t, want.CreatedAt, got.CreatedAt, "prospect CreatedAt")
	assertTime(t, want.UpdatedAt, got.UpdatedAt, "prospect UpdatedAt")
}

func assertDraft(t *testing.T, want, got *campaign.Draft) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.CampaignID, got.CampaignID)
	assert.Equal(t, want.ProspectID, got.ProspectID)
	assert.Equal(t, want.Body, got.Body)
	assert.Equal(t, want.Status, got.Status)
	assert.Equal(t, want.Score, got.Score)
	assert.Equal(t, want.Flags, got.Flags)
	assert.Equal(t, want.ReviewedBy, got.ReviewedBy)
	if want.ReviewedAt == nil {
		assert.Nil(t, got.ReviewedAt)
	} else if assert.NotNil(t, got.ReviewedAt) {
		assertTime(t, *want.ReviewedAt, *got.ReviewedAt, "draft ReviewedAt")
	}
	assert.Equal(t, want.RejectReason, got.RejectReason)
	if assert.Len(t, got.Edits, len(want.Edits)) {
		for i := range want.Edits {
			assert.Equal(t, want.Edits[i].By, got.Edits[i].By)
			assert.Equal(t, want.Edits[i].Body, got.Edits[i].Body)
			assertTime(t, want.Edits[i].At, got.Edits[i].At, "edit At")
		}
	}
	assertTime(t, want.CreatedAt, got.CreatedAt, "draft CreatedAt")
	assertTime(t, want.UpdatedAt, got.UpdatedAt, "draft UpdatedAt")
}

// pageThrough reads every page of a list, failing on a page larger than
// limit, and returns the IDs in order.
func pageThrough[T any](t *testing.T, limit int, id func(T) string, list func(storage.ListParams) (storage.Page[T], error)) []string {
	t.Helper()
	var ids []string
	cursor := ""
	for range 1000 {
		page, err := list(storage.ListParams{Limit: limit, Cursor: cursor})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), limit)
		for _, it := range page.Items {
			ids = append(ids, id(it))
		}
		if page.NextCursor == "" {
			return ids
		}
		require.NotEmpty(t, page.Items, "a page with a next cursor has items")
		cursor = page.NextCursor
	}
	t.Fatal("pagination does not end")
	return nil
}
