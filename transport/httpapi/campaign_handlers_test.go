package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateCampaign(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		alice := e.register("alice@example.com", "alice-password")

		// Only name and keywords: the rest takes the defaults, lists are [].
		r := e.do("POST", "/api/campaigns", map[string]any{"name": "  Go blogs ", "keywords": []string{" golang", "Golang", "testing"}}, bearer(alice.AccessToken))
		require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		c := r.json(t)
		assert.ElementsMatch(t, campaignKeys, keys(c))
		assert.NotEmpty(t, c["id"])
		assert.Equal(t, alice.User["id"], c["owner_id"])
		assert.Equal(t, "Go blogs", c["name"])
		assert.Equal(t, []any{"golang", "testing"}, c["keywords"], "trimmed, duplicates dropped")
		assert.Equal(t, []any{}, c["seed_urls"])
		assert.Equal(t, []any{}, c["topics"])
		assert.Equal(t, "any", c["language"], "every language by default")
		assert.Equal(t, "friendly", c["tone"])
		assert.EqualValues(t, 50, c["max_prospects"])
		assert.EqualValues(t, 100, c["daily_draft_limit"])
		assert.Equal(t, false, c["allow_links"])
		assert.Equal(t, "", c["comment_guidelines"])
		assert.Equal(t, "active", c["status"])
		assert.True(t, strings.HasSuffix(c["created_at"].(string), "Z"))
		assert.Equal(t, c["created_at"], c["updated_at"])

		// Every field.
		full := map[string]any{
			"name": "Full", "keywords": []string{"rust"}, "seed_urls": []string{"https://blog.example.com/", "http://other.example.org/feed"},
			"topics": []string{"memory safety"}, "language": "pt-BR", "tone": "professional", "max_prospects": 10,
			"comment_guidelines": "Be brief.\nNo emojis.", "allow_links": true, "daily_draft_limit": 5,
		}
		r = e.do("POST", "/api/campaigns", full, bearer(alice.AccessToken))
		require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
		c = r.json(t)
		for k, v := range full {
			switch v := v.(type) {
			case []string:
				got := make([]string, 0)
				for _, x := range c[k].([]any) {
					got = append(got, x.(string))
				}
				assert.Equal(t, v, got, k)
			case int:
				assert.EqualValues(t, v, c[k], k)
			default:
				assert.Equal(t, v, c[k], k)
			}
		}

		// Stored: GET returns the same.
		got := e.do("GET", "/api/campaigns/"+c["id"].(string), nil, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, got.status)
		assert.Equal(t, c, got.json(t))

		// No token.
		requireProblem(t, e.do("POST", "/api/campaigns", full), http.StatusUnauthorized)
	})
}

func TestCreateCampaignBadInput(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withConfig(func(c *Config) { c.MaxBodyBytes = 8192 }))
		alice := e.register("alice@example.com", "alice-password")
		many := make([]string, 51)
		for i := range many {
			many[i] = fmt.Sprintf("kw%d", i)
		}
		cases := []struct {
			name    string
			body    any
			opts    []reqOpt
			status  int
			fields  []string // every one must be listed
			message string   // some error's message contains it
		}{
			{"missing name", map[string]any{"keywords": []string{"go"}}, nil, 422, []string{"body"}, "name"},
			{"blank name", map[string]any{"name": "   ", "keywords": []string{"go"}}, nil, 422, []string{"body.name"}, ""},
			{"long name", map[string]any{"name": strings.Repeat("n", 201), "keywords": []string{"go"}}, nil, 422, []string{"body.name"}, ""},
			{"missing keywords", map[string]any{"name": "N"}, nil, 422, []string{"body"}, "keywords"},
			{"zero keywords", map[string]any{"name": "N", "keywords": []string{}}, nil, 422, []string{"body.keywords"}, ""},
			{"null keywords", `{"name":"N","keywords":null}`, nil, 422, []string{"body.keywords"}, ""},
			{"51 keywords", map[string]any{"name": "N", "keywords": many}, nil, 422, []string{"body.keywords"}, ""},
			{"empty keyword", map[string]any{"name": "N", "keywords": []string{"go", "  "}}, nil, 422, []string{"body.keywords[1]"}, ""},
			{"long keyword", map[string]any{"name": "N", "keywords": []string{strings.Repeat("k", 101)}}, nil, 422, []string{"body.keywords[0]"}, ""},
			{"bad URL", map[string]any{"name": "N", "keywords": []string{"go"}, "seed_urls": []string{"ftp://example.com/x"}}, nil, 422, []string{"body.seed_urls[0]"}, ""},
			{"relative URL", map[string]any{"name": "N", "keywords": []string{"go"}, "seed_urls": []string{"https://ok.example.com", "/blog"}}, nil, 422, []string{"body.seed_urls[1]"}, ""},
			{"bad language", map[string]any{"name": "N", "keywords": []string{"go"}, "language": "english!"}, nil, 422, []string{"body.language"}, ""},
			{"max_prospects too big", map[string]any{"name": "N", "keywords": []string{"go"}, "max_prospects": 501}, nil, 422, []string{"body.max_prospects"}, ""},
			{"daily_draft_limit negative", map[string]any{"name": "N", "keywords": []string{"go"}, "daily_draft_limit": -1}, nil, 422, []string{"body.daily_draft_limit"}, ""},
			{"several bad fields at once", map[string]any{"name": " ", "keywords": []string{"go", ""}, "seed_urls": []string{"nope"}, "language": "1"}, nil, 422,
				[]string{"body.name", "body.keywords[1]", "body.seed_urls[0]", "body.language"}, ""},
			{"unknown field", map[string]any{"name": "N", "keywords": []string{"go"}, "owner_id": "someone-else"}, nil, 422, []string{"body.owner_id"}, ""},
			{"wrong type", `{"name":"N","keywords":"go"}`, nil, 422, []string{"body.keywords"}, ""},
			{"malformed JSON", `{"name":"N",`, nil, 400, nil, ""},
			{"text/plain", `{"name":"N","keywords":["go"]}`, []reqOpt{header("Content-Type", "text/plain")}, 415, nil, ""},
			{"oversized body", `{"name":"N","keywords":["go"],"comment_guidelines":"` + strings.Repeat("x", 9000) + `"}`, nil, 413, nil, ""},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := e.do("POST", "/api/campaigns", c.body, append([]reqOpt{bearer(alice.AccessToken)}, c.opts...)...)
				p := requireProblem(t, r, c.status)
				locs := fieldLocations(p)
				for _, f := range c.fields {
					assert.Contains(t, locs, f)
				}
				if c.message != "" {
					assert.Contains(t, string(r.body), c.message)
				}
			})
		}
		// None of these created a campaign.
		assert.Empty(t, e.do("GET", "/api/campaigns", nil, bearer(alice.AccessToken)).page(t).Items)
	})
}

func TestCampaignOwnership(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		root := e.admin()
		alice := e.register("alice@example.com", "alice-password")
		bob := e.register("bob@example.com", "bob-password")
		mod := e.moderator(root, "mod@example.com")
		id, drafts := e.seedCampaign(alice, "Alice's", 1)
		draft := drafts[0]

		// Bob sees nothing of Alice's: every route is 404, as for an unknown id.
		for _, target := range []string{id, "no-such-campaign"} {
			for _, rq := range []struct{ method, path string }{
				{"GET", "/api/campaigns/" + target},
				{"PATCH", "/api/campaigns/" + target},
				{"DELETE", "/api/campaigns/" + target},
				{"GET", "/api/campaigns/" + target + "/prospects"},
				{"GET", "/api/campaigns/" + target + "/comments"},
				{"GET", "/api/campaigns/" + target + "/comments/export"},
				{"GET", "/api/campaigns/" + target + "/comments/export?format=csv"},
			} {
				var body any
				if rq.method == "PATCH" {
					body = map[string]any{"name": "Bob's now"}
				}
				requireProblem(t, e.do(rq.method, rq.path, body, bearer(bob.AccessToken)), http.StatusNotFound)
			}
		}
		for _, target := range []string{draft, "no-such-comment"} {
			requireProblem(t, e.do("GET", "/api/comments/"+target, nil, bearer(bob.AccessToken)), http.StatusNotFound)
			requireProblem(t, e.do("PATCH", "/api/comments/"+target, map[string]any{"body": "Bob was here, writing about goroutines."}, bearer(bob.AccessToken)), http.StatusNotFound)
			requireProblem(t, e.do("POST", "/api/comments/"+target+"/approve", nil, bearer(bob.AccessToken)), http.StatusNotFound)
			requireProblem(t, e.do("POST", "/api/comments/"+target+"/reject", nil, bearer(bob.AccessToken)), http.StatusNotFound)
		}
		// Every route needs a token.
		requireProblem(t, e.do("GET", "/api/campaigns/"+id, nil), http.StatusUnauthorized)
		requireProblem(t, e.do("GET", "/api/campaigns", nil), http.StatusUnauthorized)
		requireProblem(t, e.do("POST", "/api/comments/"+draft+"/approve", nil), http.StatusUnauthorized)

		// Nothing changed.
		c := e.do("GET", "/api/campaigns/"+id, nil, bearer(alice.AccessToken)).json(t)
		assert.Equal(t, "Alice's", c["name"])
		d := e.do("GET", "/api/comments/"+draft, nil, bearer(alice.AccessToken)).json(t)
		assert.Equal(t, "draft", d["status"])

		// A moderator reads it all but may not change it.
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/campaigns/"+id, nil, bearer(mod.AccessToken)).status)
		assert.Len(t, e.do("GET", "/api/campaigns/"+id+"/prospects", nil, bearer(mod.AccessToken)).page(t).Items, 1)
		assert.Len(t, e.do("GET", "/api/campaigns/"+id+"/comments", nil, bearer(mod.AccessToken)).page(t).Items, 1)
		requireProblem(t, e.do("PATCH", "/api/campaigns/"+id, map[string]any{"name": "Mod's"}, bearer(mod.AccessToken)), http.StatusForbidden)
		requireProblem(t, e.do("DELETE", "/api/campaigns/"+id, nil, bearer(mod.AccessToken)), http.StatusForbidden)
		requireProblem(t, e.do("PATCH", "/api/comments/"+draft, map[string]any{"body": "The moderator rewrote this about goroutines."}, bearer(mod.AccessToken)), http.StatusForbidden)

		// An admin may change it.
		r := e.do("PATCH", "/api/campaigns/"+id, map[string]any{"tone": "casual"}, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "casual", r.json(t)["tone"])
		assert.Equal(t, alice.User["id"], r.json(t)["owner_id"], "the owner stays")
	})
}

func TestPatchCampaign(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		alice := e.register("alice@example.com", "alice-password")
		before := e.createCampaign(alice, "Before", "golang", "testing")
		id := before["id"].(string)
		e.clock.Advance(time.Minute)

		// Absent fields stay; present ones change.
		r := e.do("PATCH", "/api/campaigns/"+id, map[string]any{"name": " After ", "seed_urls": []string{"https://blog.example.com/"}, "allow_links": true, "status": "archived"}, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		after := r.json(t)
		assert.ElementsMatch(t, campaignKeys, keys(after))
		assert.Equal(t, "After", after["name"])
		assert.Equal(t, []any{"https://blog.example.com/"}, after["seed_urls"])
		assert.Equal(t, true, after["allow_links"])
		assert.Equal(t, "archived", after["status"])
		for _, k := range []string{"id", "owner_id", "keywords", "topics", "language", "tone", "max_prospects", "comment_guidelines", "daily_draft_limit", "created_at"} {
			assert.Equal(t, before[k], after[k], k)
		}
		assert.NotEqual(t, before["updated_at"], after["updated_at"])

		// Clearing a list that may be empty: [] works.
		r = e.do("PATCH", "/api/campaigns/"+id, map[string]any{"seed_urls": []string{}}, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, []any{}, r.json(t)["seed_urls"])

		// null is the same as absent: those fields stay, the others change.
		r = e.do("PATCH", "/api/campaigns/"+id, `{"name":null,"keywords":null,"language":null,"max_prospects":null,"allow_links":null,"status":null,"tone":"casual"}`, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		nulled := r.json(t)
		assert.Equal(t, "casual", nulled["tone"])
		assert.Equal(t, "After", nulled["name"])
		assert.Equal(t, before["keywords"], nulled["keywords"])
		assert.Equal(t, "any", nulled["language"])
		assert.Equal(t, before["max_prospects"], nulled["max_prospects"])
		assert.Equal(t, true, nulled["allow_links"])
		assert.Equal(t, "archived", nulled["status"])
		// Invalid values: every one listed, nothing changes.
		p := requireProblem(t, e.do("PATCH", "/api/campaigns/"+id, map[string]any{"name": "Changed", "keywords": []string{}, "language": "", "status": "deleted"}, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		locs := fieldLocations(p)
		assert.Contains(t, locs, "body.keywords")
		assert.Contains(t, locs, "body.status")
		p = requireProblem(t, e.do("PATCH", "/api/campaigns/"+id, map[string]any{"name": "Changed", "language": "", "tone": " "}, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.ElementsMatch(t, []string{"body.language", "body.tone"}, fieldLocations(p))
		requireProblem(t, e.do("PATCH", "/api/campaigns/"+id, map[string]any{"owner_id": "x"}, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		requireProblem(t, e.do("PATCH", "/api/campaigns/"+id, `{"name":"x"}`, bearer(alice.AccessToken), header("Content-Type", "text/plain")), http.StatusUnsupportedMediaType)
		got := e.do("GET", "/api/campaigns/"+id, nil, bearer(alice.AccessToken)).json(t)
		assert.Equal(t, "After", got["name"])
		assert.Equal(t, before["keywords"], got["keywords"])

		// An empty patch changes nothing but is fine.
		r = e.do("PATCH", "/api/campaigns/"+id, map[string]any{}, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "After", r.json(t)["name"])
	})
}

func TestListCampaigns(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		root := e.admin()
		alice := e.register("alice@example.com", "alice-password")
		bob := e.register("bob@example.com", "bob-password")
		mod := e.moderator(root, "mod@example.com")
		var aliceIDs []string
		for i := range 5 {
			aliceIDs = append(aliceIDs, e.createCampaign(alice, fmt.Sprintf("A%d", i))["id"].(string))
		}
		bobID := e.createCampaign(bob, "B0")["id"].(string)
		modID := e.createCampaign(mod, "M0")["id"].(string)

		// Alice pages through her own, newest first.
		var seen []string
		cursor := ""
		for range 10 {
			p := e.do("GET", "/api/campaigns?limit=2&cursor="+cursor, nil, bearer(alice.AccessToken)).page(t)
			require.LessOrEqual(t, len(p.Items), 2)
			for _, it := range p.Items {
				assert.ElementsMatch(t, campaignKeys, keys(it))
				assert.Equal(t, alice.User["id"], it["owner_id"])
				seen = append(seen, it["id"].(string))
			}
			if p.NextCursor == "" {
				break
			}
			cursor = p.NextCursor
		}
		want := make([]string, len(aliceIDs))
		for i, id := range aliceIDs {
			want[len(aliceIDs)-1-i] = id
		}
		assert.Equal(t, want, seen)
		// Default limit: all five on one page.
		p := e.do("GET", "/api/campaigns", nil, bearer(alice.AccessToken)).page(t)
		assert.Len(t, p.Items, 5)
		assert.Empty(t, p.NextCursor)

		// all=true: a user is refused, a moderator sees everyone's.
		requireProblem(t, e.do("GET", "/api/campaigns?all=true", nil, bearer(alice.AccessToken)), http.StatusForbidden)
		ids := func(p page) []string {
			var out []string
			for _, it := range p.Items {
				out = append(out, it["id"].(string))
			}
			return out
		}
		all := ids(e.do("GET", "/api/campaigns?all=true&limit=200", nil, bearer(mod.AccessToken)).page(t))
		assert.ElementsMatch(t, append([]string{bobID, modID}, aliceIDs...), all)
		assert.Equal(t, []string{modID}, ids(e.do("GET", "/api/campaigns", nil, bearer(mod.AccessToken)).page(t)), "without all, only the moderator's own")
		assert.Len(t, e.do("GET", "/api/campaigns?all=true", nil, bearer(root.AccessToken)).page(t).Items, 7)
		assert.Equal(t, []string{bobID}, ids(e.do("GET", "/api/campaigns?all=false", nil, bearer(bob.AccessToken)).page(t)))

		// Bounds.
		pr := requireProblem(t, e.do("GET", "/api/campaigns?limit=201", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(pr), "query.limit")
		requireProblem(t, e.do("GET", "/api/campaigns?limit=0", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		pr = requireProblem(t, e.do("GET", "/api/campaigns?cursor=not-a-cursor", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(pr), "query.cursor")
		pr = requireProblem(t, e.do("GET", "/api/campaigns?all=maybe", nil, bearer(mod.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(pr), "query.all")
	})
}

func TestDeleteCampaignCascades(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		alice := e.register("alice@example.com", "alice-password")
		id, drafts := e.seedCampaign(alice, "Doomed", 2)
		keep, keepDrafts := e.seedCampaign(alice, "Kept", 1)
		prospects := e.do("GET", "/api/campaigns/"+id+"/prospects", nil, bearer(alice.AccessToken)).page(t).Items
		require.Len(t, prospects, 2)
		assert.Equal(t, "he", prospects[0]["language"], "the post's language is shown")
		assert.Equal(t, "rtl", prospects[0]["dir"], "and its direction")

		r := e.do("DELETE", "/api/campaigns/"+id, nil, bearer(alice.AccessToken))
		require.Equal(t, http.StatusNoContent, r.status, "body: %s", r.body)
		assert.Empty(t, r.body)

		requireProblem(t, e.do("GET", "/api/campaigns/"+id, nil, bearer(alice.AccessToken)), http.StatusNotFound)
		requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/prospects", nil, bearer(alice.AccessToken)), http.StatusNotFound)
		requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/comments", nil, bearer(alice.AccessToken)), http.StatusNotFound)
		requireProblem(t, e.do("DELETE", "/api/campaigns/"+id, nil, bearer(alice.AccessToken)), http.StatusNotFound)
		for _, d := range drafts {
			requireProblem(t, e.do("GET", "/api/comments/"+d, nil, bearer(alice.AccessToken)), http.StatusNotFound)
			requireProblem(t, e.do("PATCH", "/api/comments/"+d, map[string]any{"body": "Too late to talk about goroutines."}, bearer(alice.AccessToken)), http.StatusNotFound)
		}
		// The rows are gone from the stores, not just hidden.
		for _, pr := range prospects {
			_, err := e.crew.ProspectByID(t.Context(), pr["id"].(string))
			assert.Error(t, err)
		}
		others, err := e.crew.OtherDrafts(t.Context(), id, "")
		require.NoError(t, err)
		assert.Empty(t, others)

		// The other campaign is untouched.
		assert.Len(t, e.do("GET", "/api/campaigns/"+keep+"/prospects", nil, bearer(alice.AccessToken)).page(t).Items, 1)
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/comments/"+keepDrafts[0], nil, bearer(alice.AccessToken)).status)
	})
}
