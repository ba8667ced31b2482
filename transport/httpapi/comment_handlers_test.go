package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// commentKeys are the fields of an unreviewed comment response; a
// reviewed one also has reviewed_by and reviewed_at, a rejected one with
// a reason also reject_reason.
var commentKeys = []string{"id", "prospect_id", "campaign_id", "body", "status", "score", "flags", "created_at", "updated_at"}

func TestListProspects(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		alice := e.register("alice@example.com", "alice-password")
		id := e.createCampaign(alice, "Prospects")["id"].(string)
		published := time.Date(2025, 11, 5, 8, 30, 0, 0, time.FixedZone("CET", 3600))
		var want []string
		for i := range 5 {
			pr := e.seedProspect(id, fmt.Sprintf("https://blog.example.com/post-%d?utm_source=x", i), fmt.Sprintf("Post %d", i))
			want = append(want, pr.ID)
		}
		// One more with a publication date, found again (same canonical URL): updated, not duplicated.
		pr, _, err := e.crew.SaveProspect(context.Background(), e.prospectInput(id, "https://blog.example.com/dated", &published))
		require.NoError(t, err)
		want = append(want, pr.ID)
		_, created, err := e.crew.SaveProspect(context.Background(), e.prospectInput(id, "https://blog.example.com/dated", &published))
		require.NoError(t, err)
		require.False(t, created)

		var got []map[string]any
		cursor := ""
		for range 10 {
			p := e.do("GET", "/api/campaigns/"+id+"/prospects?limit=4&cursor="+cursor, nil, bearer(alice.AccessToken)).page(t)
			require.LessOrEqual(t, len(p.Items), 4)
			got = append(got, p.Items...)
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		require.Len(t, got, 6)
		for i, it := range got {
			assert.Equal(t, want[i], it["id"], "in the order found")
		}
		first := got[0]
		assert.ElementsMatch(t, []string{"id", "url", "title", "site", "relevance", "summary", "accepts_comments", "comment_system", "author", "language", "dir"}, keys(first),
			"no published_at when unknown, never the main text")
		assert.Equal(t, "https://blog.example.com/post-0?utm_source=x", first["url"])
		assert.Equal(t, "Post 0", first["title"])
		assert.Equal(t, "blog.example.com", first["site"])
		assert.EqualValues(t, 0.75, first["relevance"])
		assert.Equal(t, "A post about Post 0", first["summary"])
		assert.Equal(t, true, first["accepts_comments"])
		assert.Equal(t, "wordpress", first["comment_system"])
		assert.Equal(t, "Ada", first["author"])
		assert.Equal(t, "2025-11-05T07:30:00Z", got[5]["published_at"], "RFC 3339 UTC")

		pr2 := requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/prospects?limit=201", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(pr2), "query.limit")
		pr2 = requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/prospects?cursor=%21%21", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(pr2), "query.cursor")
		// An empty campaign lists [].
		empty := e.createCampaign(alice, "Empty")["id"].(string)
		assert.Empty(t, e.do("GET", "/api/campaigns/"+empty+"/prospects", nil, bearer(alice.AccessToken)).page(t).Items)
	})
}

func TestListComments(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		root := e.admin()
		alice := e.register("alice@example.com", "alice-password")
		mod := e.moderator(root, "mod@example.com")
		id, drafts := e.seedCampaign(alice, "Comments", 5)
		require.Equal(t, http.StatusOK, e.do("POST", "/api/comments/"+drafts[1]+"/approve", nil, bearer(mod.AccessToken)).status)
		require.Equal(t, http.StatusOK, e.do("POST", "/api/comments/"+drafts[3]+"/reject", map[string]any{"reason": "off topic"}, bearer(mod.AccessToken)).status)

		all := e.do("GET", "/api/campaigns/"+id+"/comments", nil, bearer(alice.AccessToken)).page(t)
		require.Len(t, all.Items, 5)
		for i, it := range all.Items {
			assert.Equal(t, drafts[i], it["id"])
			assert.Equal(t, id, it["campaign_id"])
			assert.NotEmpty(t, it["prospect_id"])
			assert.EqualValues(t, 80, it["score"])
			assert.Equal(t, []any{"specific"}, it["flags"])
		}
		assert.ElementsMatch(t, append([]string{"prospect"}, commentKeys...), keys(all.Items[0]), "a listed draft carries its post")
		assert.ElementsMatch(t, append([]string{"prospect", "reviewed_by", "reviewed_at"}, commentKeys...), keys(all.Items[1]))
		assert.ElementsMatch(t, append([]string{"prospect", "reviewed_by", "reviewed_at", "reject_reason"}, commentKeys...), keys(all.Items[3]))
		assert.Equal(t, "off topic", all.Items[3]["reject_reason"])

		byStatus := func(status string) []string {
			var out []string
			for _, it := range e.do("GET", "/api/campaigns/"+id+"/comments?status="+status, nil, bearer(alice.AccessToken)).page(t).Items {
				assert.Equal(t, status, it["status"])
				out = append(out, it["id"].(string))
			}
			return out
		}
		assert.Equal(t, []string{drafts[0], drafts[2], drafts[4]}, byStatus("draft"))
		assert.Equal(t, []string{drafts[1]}, byStatus("approved"))
		assert.Equal(t, []string{drafts[3]}, byStatus("rejected"))

		// Pages of two, filtered.
		p := e.do("GET", "/api/campaigns/"+id+"/comments?status=draft&limit=2", nil, bearer(alice.AccessToken)).page(t)
		require.Len(t, p.Items, 2)
		require.NotEmpty(t, p.NextCursor)
		p = e.do("GET", "/api/campaigns/"+id+"/comments?status=draft&limit=2&cursor="+p.NextCursor, nil, bearer(alice.AccessToken)).page(t)
		require.Len(t, p.Items, 1)
		assert.Equal(t, drafts[4], p.Items[0]["id"])
		assert.Empty(t, p.NextCursor)

		// Bad status, limit, cursor.
		pr := requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/comments?status=pending", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(pr), "query.status")
		pr = requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/comments?limit=201", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(pr), "query.limit")
		pr = requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/comments?cursor=zzz", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(pr), "query.cursor")
	})
}

func TestReviewComments(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		root := e.admin()
		alice := e.register("alice@example.com", "alice-password")
		bob := e.register("bob@example.com", "bob-password")
		mod := e.moderator(root, "mod@example.com")
		_, drafts := e.seedCampaign(alice, "Review", 4)

		// The owner edits an unreviewed draft; the body is trimmed.
		r := e.do("PATCH", "/api/comments/"+drafts[0], map[string]any{"body": "  Your benchmark of sync.Pool was eye-opening.  "}, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		d := r.json(t)
		assert.ElementsMatch(t, commentKeys, keys(d))
		assert.Equal(t, "Your benchmark of sync.Pool was eye-opening.", d["body"])
		assert.Equal(t, "draft", d["status"])
		// Bad edits.
		p := requireProblem(t, e.do("PATCH", "/api/comments/"+drafts[0], map[string]any{"body": "   "}, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.body")
		p = requireProblem(t, e.do("PATCH", "/api/comments/"+drafts[0], map[string]any{"body": strings.Repeat("b", 5001)}, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.body")
		requireProblem(t, e.do("PATCH", "/api/comments/"+drafts[0], map[string]any{"body": "ok body text", "status": "approved"}, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("PATCH", "/api/comments/"+drafts[0], map[string]any{}, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)

		// A user may not review, even their own drafts (403); others' are 404.
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[0]+"/approve", nil, bearer(alice.AccessToken)), http.StatusForbidden)
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[0]+"/reject", nil, bearer(alice.AccessToken)), http.StatusForbidden)
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[0]+"/approve", nil, bearer(bob.AccessToken)), http.StatusNotFound)

		// A moderator approves.
		e.clock.Advance(time.Minute)
		r = e.do("POST", "/api/comments/"+drafts[0]+"/approve", nil, bearer(mod.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		d = r.json(t)
		assert.Equal(t, "approved", d["status"])
		assert.Equal(t, mod.User["id"], d["reviewed_by"])
		assert.Equal(t, e.clock.Now().UTC().Format(time.RFC3339), d["reviewed_at"])
		assert.Equal(t, "Your benchmark of sync.Pool was eye-opening.", d["body"])

		// Once reviewed: a second review and an edit are 409; a user still 403.
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[0]+"/approve", nil, bearer(mod.AccessToken)), http.StatusConflict)
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[0]+"/reject", nil, bearer(root.AccessToken)), http.StatusConflict)
		requireProblem(t, e.do("PATCH", "/api/comments/"+drafts[0], map[string]any{"body": "A later change about sync.Pool."}, bearer(alice.AccessToken)), http.StatusConflict)
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[0]+"/approve", nil, bearer(alice.AccessToken)), http.StatusForbidden)

		// Reject with a reason; with no body at all; with an empty object.
		r = e.do("POST", "/api/comments/"+drafts[1]+"/reject", map[string]any{"reason": "  too generic  "}, bearer(mod.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		d = r.json(t)
		assert.Equal(t, "rejected", d["status"])
		assert.Equal(t, "too generic", d["reject_reason"])
		assert.Equal(t, mod.User["id"], d["reviewed_by"])
		r = e.do("POST", "/api/comments/"+drafts[2]+"/reject", nil, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "rejected", r.json(t)["status"])
		assert.NotContains(t, r.json(t), "reject_reason")
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[1]+"/approve", nil, bearer(mod.AccessToken)), http.StatusConflict)
		requireProblem(t, e.do("PATCH", "/api/comments/"+drafts[1], map[string]any{"body": "Edited after rejection."}, bearer(alice.AccessToken)), http.StatusConflict)

		// Bad reject bodies.
		p = requireProblem(t, e.do("POST", "/api/comments/"+drafts[3]+"/reject", map[string]any{"reason": strings.Repeat("r", 501)}, bearer(mod.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.reason")
		p = requireProblem(t, e.do("POST", "/api/comments/"+drafts[3]+"/reject", map[string]any{"reason": "bad\x00reason"}, bearer(mod.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "body.reason")
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[3]+"/reject", map[string]any{"why": "x"}, bearer(mod.AccessToken)), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("POST", "/api/comments/"+drafts[3]+"/reject", `{"reason":"x"}`, bearer(mod.AccessToken), header("Content-Type", "text/plain")), http.StatusUnsupportedMediaType)
		// drafts[3] is still unreviewed after all that.
		assert.Equal(t, "draft", e.do("GET", "/api/comments/"+drafts[3], nil, bearer(alice.AccessToken)).json(t)["status"])

		// GET shows the stored state to the owner and to a moderator.
		for _, tk := range []tokens{alice, mod} {
			r = e.do("GET", "/api/comments/"+drafts[0], nil, bearer(tk.AccessToken))
			require.Equal(t, http.StatusOK, r.status)
			assert.Equal(t, "approved", r.json(t)["status"])
		}
		requireProblem(t, e.do("POST", "/api/comments/no-such-draft/approve", nil, bearer(mod.AccessToken)), http.StatusNotFound)
	})
}

// TestConcurrentReviews: of many simultaneous reviews of one draft,
// exactly one succeeds and the rest are 409.
func TestConcurrentReviews(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		root := e.admin()
		alice := e.register("alice@example.com", "alice-password")
		_, drafts := e.seedCampaign(alice, "Race", 1)
		const n = 8
		statuses := make(chan int, n)
		for i := range n {
			go func() {
				path := "/api/comments/" + drafts[0] + "/approve"
				if i%2 == 1 {
					path = "/api/comments/" + drafts[0] + "/reject"
				}
				req, err := http.NewRequest(http.MethodPost, e.ts.URL+path, nil)
				if err != nil {
					statuses <- -1
					return
				}
				req.Header.Set("Authorization", "Bearer "+root.AccessToken)
				res, err := e.ts.Client().Do(req)
				if err != nil {
					statuses <- -1
					return
				}
				res.Body.Close()
				statuses <- res.StatusCode
			}()
		}
		counts := map[int]int{}
		for range n {
			counts[<-statuses]++
		}
		assert.Equal(t, map[int]int{http.StatusOK: 1, http.StatusConflict: n - 1}, counts)
	})
}
