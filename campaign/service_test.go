package campaign_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// fixture is a Service on a real database with one user of each role.
type fixture struct {
	svc                         *campaign.Service
	crew                        *campaign.CrewService
	users                       auth.UserStore
	owner, stranger, mod, admin *auth.Principal
	clock                       *time.Time
}

func newFixture(t *testing.T, db *bun.DB) *fixture {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Microsecond)
	f := &fixture{users: bunstore.NewUsers(db), clock: &now}
	clock := func() time.Time { return *f.clock }
	var err error
	f.svc, err = campaign.NewService(campaign.Config{Now: clock}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	f.crew, err = campaign.NewCrewService(campaign.CrewConfig{Now: clock}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	f.owner = f.user(t, auth.RoleUser)
	f.stranger = f.user(t, auth.RoleUser)
	f.mod = f.user(t, auth.RoleModerator)
	f.admin = f.user(t, auth.RoleAdmin)
	return f
}

func (f *fixture) user(t *testing.T, role auth.Role) *auth.Principal {
	t.Helper()
	id := uuid.Must(uuid.NewV7()).String()
	u := &auth.User{ID: id, Email: id + "@example.test", Role: role, PasswordHash: []byte("x"),
		CreatedAt: *f.clock, UpdatedAt: *f.clock}
	require.NoError(t, f.users.CreateUser(t.Context(), u))
	return &auth.Principal{User: u, SessionID: "s-" + id}
}

// seed makes a campaign of the owner with n prospects, each with a draft.
func (f *fixture) seed(t *testing.T, n int) (*campaign.Campaign, []*campaign.Prospect, []*campaign.Draft) {
	t.Helper()
	ctx := t.Context()
	c, err := f.svc.Create(ctx, f.owner, campaign.CreateInput{Name: "Seeded", Keywords: []string{"sqlite", "wal"}})
	require.NoError(t, err)
	var ps []*campaign.Prospect
	var ds []*campaign.Draft
	for i := range n {
		p, created, err := f.crew.SaveProspect(ctx, campaign.Prospect{
			CampaignID: c.ID, URL: fmt.Sprintf("https://blog.example.test/post-%d?utm_source=x", i),
			CanonicalURL: fmt.Sprintf("https://blog.example.test/post-%d", i),
			Site:         "blog.example.test", Title: fmt.Sprintf("Post %d", i), Text: "Text about WAL mode.",
			Relevance: 0.5, AcceptsComments: true, CommentSystem: campaign.CommentsWordPress,
		})
		require.NoError(t, err)
		require.True(t, created)
		d, outcome, err := f.crew.SaveDraft(ctx, campaign.DraftInput{CampaignID: c.ID, ProspectID: p.ID,
			Body: fmt.Sprintf("Your note on WAL checkpoints in post %d was useful.", i), Score: 70, Flags: []string{"ok"}})
		require.NoError(t, err)
		require.Equal(t, campaign.Inserted, outcome)
		ps, ds = append(ps, p), append(ds, d)
	}
	return c, ps, ds
}

func TestService(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		tests := []struct {
			name string
			fn   func(t *testing.T, f *fixture)
		}{
			{"CreateGetListUpdateDelete", testServiceCRUD},
			{"ValidationErrors", testServiceValidation},
			{"OthersCampaignIsNotFound", testServiceOwnership},
			{"ModeratorReadsAllAndReviews", testServiceModerator},
			{"AdminChangesAny", testServiceAdmin},
			{"UserCannotReview", testServiceUserCannotReview},
			{"EditOnlyWhileDraft", testServiceEditWhileDraft},
			{"ExportOnlyApproved", testServiceExport},
			{"CrewHooks", testServiceCrewHooks},
			{"DeleteCascades", testServiceDeleteCascades},
			{"Paging", testServicePaging},
			{"ConcurrentReviewsOneWins", testServiceConcurrentReviews},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.fn(t, newFixture(t, db))
			})
		}
	})
}

func testServiceCRUD(t *testing.T, f *fixture) {
	ctx := t.Context()
	c, err := f.svc.Create(ctx, f.owner, campaign.CreateInput{Name: "Mine", Keywords: []string{"go"},
		SeedURLs: []string{"https://go.dev/blog/"}})
	require.NoError(t, err)
	assert.Equal(t, f.owner.User.ID, c.OwnerID)

	got, err := f.svc.Get(ctx, f.owner, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.Name, got.Name)
	assert.Equal(t, c.SeedURLs, got.SeedURLs)

	page, err := f.svc.List(ctx, f.owner, false, storage.ListParams{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	assert.Equal(t, c.ID, page.Items[0].ID)

	*f.clock = f.clock.Add(time.Hour)
	name := "Renamed"
	up, err := f.svc.Update(ctx, f.owner, c.ID, campaign.PatchInput{Name: &name})
	require.NoError(t, err)
	assert.Equal(t, "Renamed", up.Name)
	assert.Equal(t, []string{"go"}, up.Keywords)
	assert.True(t, up.UpdatedAt.Equal(*f.clock))

	require.NoError(t, f.svc.Delete(ctx, f.owner, c.ID))
	_, err = f.svc.Get(ctx, f.owner, c.ID)
	assert.ErrorIs(t, err, campaign.ErrNotFound)
	assert.ErrorIs(t, f.svc.Delete(ctx, f.owner, c.ID), campaign.ErrNotFound)
}

func testServiceValidation(t *testing.T, f *fixture) {
	ctx := t.Context()
	cases := map[string]campaign.CreateInput{
		"name":          {Name: "", Keywords: []string{"go"}},
		"keywords":      {Name: "x"},
		"keywords[0]":   {Name: "x", Keywords: []string{""}},
		"seed_urls[0]":  {Name: "x", Keywords: []string{"go"}, SeedURLs: []string{"file:///etc/passwd"}},
		"max_prospects": {Name: "x", Keywords: []string{"go"}, MaxProspects: 1000},
		"language":      {Name: "x", Keywords: []string{"go"}, Language: "not a tag"},
	}
	for field, in := range cases {
		_, err := f.svc.Create(ctx, f.owner, in)
		var ve *campaign.ValidationError
		require.ErrorAs(t, err, &ve, field)
		assert.Equal(t, field, ve.Field)
	}
	page, err := f.svc.List(ctx, f.owner, false, storage.ListParams{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "nothing invalid was stored")

	c, _, ds := f.seed(t, 1)
	bad := 0
	_, err = f.svc.Update(ctx, f.owner, c.ID, campaign.PatchInput{MaxProspects: &bad})
	var ve *campaign.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "max_prospects", ve.Field)
	_, err = f.svc.ListDrafts(ctx, f.owner, c.ID, "pending", storage.ListParams{})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "status", ve.Field)
	_, err = f.svc.EditDraft(ctx, f.owner, ds[0].ID, "")
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "body", ve.Field)
	_, err = f.svc.List(ctx, f.owner, false, storage.ListParams{Cursor: "garbage!"})
	assert.ErrorIs(t, err, storage.ErrInvalidCursor)
}

func testServiceOwnership(t *testing.T, f *fixture) {
	ctx := t.Context()
	c, _, ds := f.seed(t, 1)
	p := f.stranger
	name := "hijack"
	checks := map[string]error{}
	_, checks["Get"] = f.svc.Get(ctx, p, c.ID)
	_, checks["Writable"] = f.svc.Writable(ctx, p, c.ID)
	_, checks["Update"] = f.svc.Update(ctx, p, c.ID, campaign.PatchInput{Name: &name})
	checks["Delete"] = f.svc.Delete(ctx, p, c.ID)
	_, checks["ListProspects"] = f.svc.ListProspects(ctx, p, c.ID, storage.ListParams{})
	_, checks["ListDrafts"] = f.svc.ListDrafts(ctx, p, c.ID, "", storage.ListParams{})
	_, checks["GetDraft"] = f.svc.GetDraft(ctx, p, ds[0].ID)
	_, checks["EditDraft"] = f.svc.EditDraft(ctx, p, ds[0].ID, "mine now")
	_, checks["ApproveDraft"] = f.svc.ApproveDraft(ctx, p, ds[0].ID)
	_, checks["RejectDraft"] = f.svc.RejectDraft(ctx, p, ds[0].ID, "")
	_, checks["ExportApproved"] = f.svc.ExportApproved(ctx, p, c.ID)
	for op, err := range checks {
		assert.ErrorIs(t, err, campaign.ErrNotFound, "%s of another user's campaign", op)
	}
	page, err := f.svc.List(ctx, p, false, storage.ListParams{})
	require.NoError(t, err)
	assert.Empty(t, page.Items, "another user's campaigns are not listed")
	_, err = f.svc.List(ctx, p, true, storage.ListParams{})
	assert.ErrorIs(t, err, campaign.ErrForbidden, "all=true needs campaigns:read_all")

	// Nothing changed.
	got, err := f.svc.Get(ctx, f.owner, c.ID)
	require.NoError(t, err)
	assert.Equal(t, "Seeded", got.Name)
	d, err := f.svc.GetDraft(ctx, f.owner, ds[0].ID)
	require.NoError(t, err)
	assert.Equal(t, campaign.DraftUnreviewed, d.Status)
	assert.Equal(t, ds[0].Body, d.Body)
}

func testServiceModerator(t *testing.T, f *fixture) {
	ctx := t.Context()
	c, _, ds := f.seed(t, 2)
	got, err := f.svc.Get(ctx, f.mod, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.ID, got.ID)
	ids := map[string]bool{}
	cursor := ""
	for {
		page, err := f.svc.List(ctx, f.mod, true, storage.ListParams{Cursor: cursor, Limit: 200})
		require.NoError(t, err)
		for _, it := range page.Items {
			ids[it.ID] = true
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	assert.True(t, ids[c.ID], "all=true lists everyone's campaigns")
	own, err := f.svc.List(ctx, f.mod, false, storage.ListParams{})
	require.NoError(t, err)
	assert.Empty(t, own.Items, "without all, only the moderator's own")

	drafts, err := f.svc.ListDrafts(ctx, f.mod, c.ID, campaign.DraftUnreviewed, storage.ListParams{})
	require.NoError(t, err)
	assert.Len(t, drafts.Items, 2)

	*f.clock = f.clock.Add(time.Minute)
	d, err := f.svc.ApproveDraft(ctx, f.mod, ds[0].ID)
	require.NoError(t, err)
	assert.Equal(t, campaign.DraftApproved, d.Status)
	require.NotNil(t, d.ReviewedBy)
	assert.Equal(t, f.mod.User.ID, *d.ReviewedBy)
	require.NotNil(t, d.ReviewedAt)
	assert.True(t, d.ReviewedAt.Equal(*f.clock))
	_, err = f.svc.ApproveDraft(ctx, f.mod, ds[0].ID)
	assert.ErrorIs(t, err, campaign.ErrAlreadyReviewed)
	_, err = f.svc.RejectDraft(ctx, f.admin, ds[0].ID, "changed my mind")
	assert.ErrorIs(t, err, campaign.ErrAlreadyReviewed)

	r, err := f.svc.RejectDraft(ctx, f.mod, ds[1].ID, "too generic")
	require.NoError(t, err)
	assert.Equal(t, campaign.DraftRejected, r.Status)
	assert.Equal(t, "too generic", r.RejectReason)

	// Moderators read but do not change other people's campaigns.
	name := "moderated"
	_, err = f.svc.Update(ctx, f.mod, c.ID, campaign.PatchInput{Name: &name})
	assert.ErrorIs(t, err, campaign.ErrForbidden)
	assert.ErrorIs(t, f.svc.Delete(ctx, f.mod, c.ID), campaign.ErrForbidden)
	_, err = f.svc.Writable(ctx, f.mod, c.ID)
	assert.ErrorIs(t, err, campaign.ErrForbidden)
	c2, _, ds2 := f.seed(t, 1)
	_, err = f.svc.EditDraft(ctx, f.mod, ds2[0].ID, "a moderator's rewrite")
	assert.ErrorIs(t, err, campaign.ErrForbidden)
	got, err = f.svc.Get(ctx, f.owner, c2.ID)
	require.NoError(t, err)
	assert.Equal(t, "Seeded", got.Name)
}

func testServiceAdmin(t *testing.T, f *fixture) {
	ctx := t.Context()
	c, _, ds := f.seed(t, 1)
	name := "admin renamed"
	up, err := f.svc.Update(ctx, f.admin, c.ID, campaign.PatchInput{Name: &name})
	require.NoError(t, err)
	assert.Equal(t, name, up.Name)
	assert.Equal(t, f.owner.User.ID, up.OwnerID, "the owner stays")
	d, err := f.svc.EditDraft(ctx, f.admin, ds[0].ID, "Admin's wording.")
	require.NoError(t, err)
	require.Len(t, d.Edits, 1)
	assert.Equal(t, f.admin.User.ID, d.Edits[0].By)
	_, err = f.svc.ApproveDraft(ctx, f.admin, ds[0].ID)
	require.NoError(t, err)
	require.NoError(t, f.svc.Delete(ctx, f.admin, c.ID))
	_, err = f.svc.Get(ctx, f.owner, c.ID)
	assert.ErrorIs(t, err, campaign.ErrNotFound)
}

func testServiceUserCannotReview(t *testing.T, f *fixture) {
	ctx := t.Context()
	_, _, ds := f.seed(t, 1)
	_, err := f.svc.ApproveDraft(ctx, f.owner, ds[0].ID)
	assert.ErrorIs(t, err, campaign.ErrForbidden, "the owner sees the draft but may not approve it")
	_, err = f.svc.RejectDraft(ctx, f.owner, ds[0].ID, "")
	assert.ErrorIs(t, err, campaign.ErrForbidden)
	d, err := f.svc.GetDraft(ctx, f.owner, ds[0].ID)
	require.NoError(t, err)
	assert.Equal(t, campaign.DraftUnreviewed, d.Status)
	_, err = f.svc.ApproveDraft(ctx, f.owner, uuid.Must(uuid.NewV7()).String())
	assert.ErrorIs(t, err, campaign.ErrNotFound, "an unknown draft is not found, not forbidden")
}

func testServiceEditWhileDraft(t *testing.T, f *fixture) {
	ctx := t.Context()
	_, _, ds := f.seed(t, 1)
	*f.clock = f.clock.Add(time.Minute)
	d, err := f.svc.EditDraft(ctx, f.owner, ds[0].ID, "  The owner's own words about WAL.  ")
	require.NoError(t, err)
	assert.Equal(t, "The owner's own words about WAL.", d.Body)
	require.Len(t, d.Edits, 1)
	assert.Equal(t, ds[0].Body, d.Edits[0].Body)
	assert.Equal(t, f.owner.User.ID, d.Edits[0].By)
	assert.True(t, d.Edits[0].At.Equal(*f.clock))

	_, err = f.svc.RejectDraft(ctx, f.mod, ds[0].ID, "")
	require.NoError(t, err)
	_, err = f.svc.EditDraft(ctx, f.owner, ds[0].ID, "Too late.")
	assert.ErrorIs(t, err, campaign.ErrNotEditable)
	got, err := f.svc.GetDraft(ctx, f.owner, ds[0].ID)
	require.NoError(t, err)
	assert.Equal(t, "The owner's own words about WAL.", got.Body)
}

func testServiceExport(t *testing.T, f *fixture) {
	ctx := t.Context()
	c, ps, ds := f.seed(t, 3)
	_, err := f.svc.EditDraft(ctx, f.owner, ds[0].ID, "=HYPERLINK(\"http://evil.example\")")
	require.NoError(t, err)
	*f.clock = f.clock.Add(time.Minute)
	_, err = f.svc.ApproveDraft(ctx, f.mod, ds[0].ID)
	require.NoError(t, err)
	_, err = f.svc.RejectDraft(ctx, f.mod, ds[1].ID, "")
	require.NoError(t, err)

	rows, err := f.svc.ExportApproved(ctx, f.owner, c.ID)
	require.NoError(t, err)
	require.Len(t, rows, 1, "only the approved draft")
	assert.Equal(t, ds[0].ID, rows[0].DraftID)
	assert.Equal(t, ps[0].URL, rows[0].PostURL)
	assert.Equal(t, ps[0].Title, rows[0].PostTitle)
	assert.Equal(t, ps[0].Site, rows[0].Site)
	assert.Equal(t, f.mod.User.ID, rows[0].ReviewedBy)
	assert.True(t, rows[0].ApprovedAt.Equal(*f.clock))

	var buf bytes.Buffer
	require.NoError(t, campaign.WriteCSV(&buf, rows))
	recs, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 2)
	assert.Equal(t, "'=HYPERLINK(\"http://evil.example\")", recs[1][1], "formula defused")

	modRows, err := f.svc.ExportApproved(ctx, f.mod, c.ID)
	require.NoError(t, err)
	assert.Len(t, modRows, 1, "moderators export any campaign")
}

func testServiceCrewHooks(t *testing.T, f *fixture) {
	ctx := t.Context()
	c, ps, ds := f.seed(t, 2)

	// Saving the same post again (after a crash, say) duplicates nothing.
	again, created, err := f.crew.SaveProspect(ctx, campaign.Prospect{CampaignID: c.ID,
		URL: "https://blog.example.test/post-0?utm_campaign=y", CanonicalURL: ps[0].CanonicalURL,
		Title: "Post 0, revised", Relevance: 0.9})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, ps[0].ID, again.ID)
	assert.Equal(t, "Post 0, revised", again.Title)
	assert.Equal(t, campaign.CommentsNone, again.CommentSystem, "empty comment system defaults to none")
	page, err := f.svc.ListProspects(ctx, f.owner, c.ID, storage.ListParams{})
	require.NoError(t, err)
	assert.Len(t, page.Items, 2)

	// A missing canonical URL falls back to the URL.
	p3, created, err := f.crew.SaveProspect(ctx, campaign.Prospect{CampaignID: c.ID, URL: "https://blog.example.test/p3"})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, "https://blog.example.test/p3", p3.CanonicalURL)

	_, _, err = f.crew.SaveProspect(ctx, campaign.Prospect{CampaignID: c.ID, URL: "not a url"})
	var ve *campaign.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "url", ve.Field)
	_, _, err = f.crew.SaveProspect(ctx, campaign.Prospect{CampaignID: uuid.Must(uuid.NewV7()).String(), URL: "https://x.example/"})
	assert.ErrorIs(t, err, campaign.ErrNotFound)

	// The post's language and direction are kept, checked and normalised.
	p4, _, err := f.crew.SaveProspect(ctx, campaign.Prospect{CampaignID: c.ID, URL: "https://blog.example.test/p4",
		Language: " ar-EG ", Dir: "RTL", CommentSystem: campaign.CommentsHyvor})
	require.NoError(t, err)
	assert.Equal(t, "ar-EG", p4.Language)
	assert.Equal(t, campaign.DirRTL, p4.Dir)
	assert.Equal(t, campaign.CommentsHyvor, p4.CommentSystem)
	for field, bad := range map[string]campaign.Prospect{
		"language":       {Language: "english please"},
		"dir":            {Dir: "sideways"},
		"comment_system": {CommentSystem: "carrier-pigeon"},
	} {
		bad.CampaignID, bad.URL = c.ID, "https://blog.example.test/bad"
		_, _, err = f.crew.SaveProspect(ctx, bad)
		require.ErrorAs(t, err, &ve, field)
		assert.Equal(t, field, ve.Field)
	}

	// A re-drafted, still unreviewed draft is replaced; a reviewed one is kept.
	d, outcome, err := f.crew.SaveDraft(ctx, campaign.DraftInput{CampaignID: c.ID, ProspectID: ps[1].ID, Body: "Second try.", Score: 90})
	require.NoError(t, err)
	assert.Equal(t, campaign.Updated, outcome)
	assert.Equal(t, ds[1].ID, d.ID)
	_, err = f.svc.ApproveDraft(ctx, f.mod, ds[0].ID)
	require.NoError(t, err)
	d, outcome, err = f.crew.SaveDraft(ctx, campaign.DraftInput{CampaignID: c.ID, ProspectID: ps[0].ID, Body: "Overwrite?", Score: 10})
	require.NoError(t, err)
	assert.Equal(t, campaign.Kept, outcome)
	assert.Equal(t, ds[0].Body, d.Body)
	assert.Equal(t, campaign.DraftApproved, d.Status)

	// A prospect of another campaign is not found.
	other, otherPs, _ := f.seed(t, 1)
	_, _, err = f.crew.SaveDraft(ctx, campaign.DraftInput{CampaignID: c.ID, ProspectID: otherPs[0].ID, Body: "x"})
	assert.ErrorIs(t, err, campaign.ErrNotFound)
	_, _, err = f.crew.SaveDraft(ctx, campaign.DraftInput{CampaignID: other.ID, ProspectID: otherPs[0].ID, Body: "x", Score: 101})
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, "score", ve.Field)

	others, err := f.crew.OtherDrafts(ctx, c.ID, ps[0].ID)
	require.NoError(t, err)
	require.Len(t, others, 1)
	assert.Equal(t, ds[1].ID, others[0].ID)

	n, err := f.crew.DraftsToday(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	*f.clock = f.clock.Add(48 * time.Hour)
	n, err = f.crew.DraftsToday(ctx, c.ID)
	require.NoError(t, err)
	assert.Zero(t, n, "yesterday's drafts do not count")

	got, err := f.crew.CampaignByID(ctx, c.ID)
	require.NoError(t, err)
	assert.Equal(t, c.Keywords, got.Keywords)
	full, err := f.crew.ProspectByID(ctx, ps[1].ID)
	require.NoError(t, err)
	assert.Equal(t, "Text about WAL mode.", full.Text)
	_, err = f.crew.ProspectByID(ctx, uuid.Must(uuid.NewV7()).String())
	assert.ErrorIs(t, err, campaign.ErrNotFound)
}

func testServiceDeleteCascades(t *testing.T, f *fixture) {
	ctx := t.Context()
	c, ps, ds := f.seed(t, 2)
	require.NoError(t, f.svc.Delete(ctx, f.owner, c.ID))
	for _, p := range ps {
		_, err := f.crew.ProspectByID(ctx, p.ID)
		assert.ErrorIs(t, err, campaign.ErrNotFound)
	}
	for _, d := range ds {
		_, err := f.svc.GetDraft(ctx, f.admin, d.ID)
		assert.ErrorIs(t, err, campaign.ErrNotFound)
	}
}

func testServicePaging(t *testing.T, f *fixture) {
	ctx := t.Context()
	c, ps, _ := f.seed(t, 5)
	var ids []string
	cursor := ""
	for {
		page, err := f.svc.ListProspects(ctx, f.owner, c.ID, storage.ListParams{Limit: 2, Cursor: cursor})
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), 2)
		for _, p := range page.Items {
			ids = append(ids, p.ID)
			assert.Empty(t, p.Text, "lists leave the text out")
		}
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	want := make([]string, len(ps))
	for i, p := range ps {
		want[i] = p.ID
	}
	assert.Equal(t, want, ids)

	page, err := f.svc.ListDrafts(ctx, f.owner, c.ID, "", storage.ListParams{Limit: -3})
	require.NoError(t, err)
	assert.Len(t, page.Items, 5, "a non-positive limit takes the default")
}

func testServiceConcurrentReviews(t *testing.T, f *fixture) {
	ctx := t.Context()
	_, _, ds := f.seed(t, 1)
	mod2 := f.user(t, auth.RoleModerator)
	reviewers := []*auth.Principal{f.mod, mod2, f.admin, f.mod, mod2, f.admin}
	errs := make([]error, len(reviewers))
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i, p := range reviewers {
		wg.Go(func() {
			<-start
			if i%2 == 0 {
				_, errs[i] = f.svc.ApproveDraft(ctx, p, ds[0].ID)
			} else {
				_, errs[i] = f.svc.RejectDraft(ctx, p, ds[0].ID, "no")
			}
		})
	}
	close(start)
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
			continue
		}
		assert.ErrorIs(t, err, campaign.ErrAlreadyReviewed)
	}
	assert.Equal(t, 1, wins, "exactly one review lands")
	d, err := f.svc.GetDraft(ctx, f.owner, ds[0].ID)
	require.NoError(t, err)
	assert.NotEqual(t, campaign.DraftUnreviewed, d.Status)
}

// TestConstructorsRequireEveryStore: a missing store is an error naming
// it, not a nil-pointer panic at the first call.
func TestConstructorsRequireEveryStore(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	full := bunstore.NewCampaignStores(db)
	for name, stores := range map[string]campaign.Stores{
		"campaign": {Prospects: full.Prospects, Drafts: full.Drafts},
		"prospect": {Campaigns: full.Campaigns, Drafts: full.Drafts},
		"draft":    {Campaigns: full.Campaigns, Prospects: full.Prospects},
	} {
		svc, err := campaign.NewService(campaign.Config{}, stores)
		assert.Nil(t, svc)
		assert.ErrorContains(t, err, "no "+name+" store")
		crew, err := campaign.NewCrewService(campaign.CrewConfig{}, stores)
		assert.Nil(t, crew)
		assert.ErrorContains(t, err, "no "+name+" store")
	}
	_, err := campaign.NewService(campaign.Config{}, campaign.Stores{})
	assert.ErrorContains(t, err, "no campaign store\nno prospect store\nno draft store")
	_, err = campaign.NewService(campaign.Config{}, full)
	require.NoError(t, err)
	_, err = campaign.NewCrewService(campaign.CrewConfig{}, full)
	require.NoError(t, err)
}
