package httpapi

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
)

type prospectPage struct {
	Items []struct {
		ID              string     `json:"id"`
		Title           string     `json:"title"`
		Author          string     `json:"author"`
		Relevance       float64    `json:"relevance"`
		PublishedAt     *time.Time `json:"published_at"`
		AcceptsComments bool       `json:"accepts_comments"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
	Total      *int   `json:"total"`
}

// allPages walks a listing with limit and returns the ids in order, the
// totals every page reported and the number of pages.
func allPages(t *testing.T, e *testEnv, tok tokens, base string, query url.Values) (ids []string, totals []int, pages int) {
	t.Helper()
	cursor := ""
	for pages = 1; ; pages++ {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := e.do("GET", base+"?"+q.Encode(), nil, bearer(tok.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var p prospectPage
		require.NoError(t, json.Unmarshal(r.body, &p))
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		require.NotNil(t, p.Total)
		totals = append(totals, *p.Total)
		if p.NextCursor == "" {
			return ids, totals, pages
		}
		require.Less(t, pages, 100, "paging must end")
		cursor = p.NextCursor
	}
}

func TestProspectsSortFilterAndPage(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		owner := e.register("pat@example.com", "password-123")
		cid := e.createCampaign(owner, "Sorting")["id"].(string)
		type seed struct {
			title, author string
			rel           float64
			pub           *time.Time
			open          bool
		}
		day := func(d int) *time.Time { t := time.Date(2025, 3, d, 12, 0, 0, 0, time.UTC); return &t }
		seeds := []seed{
			{"Zebra databases", "Ann", 0.9, day(3), true},
			{"apple pie with SQL", "Bob", 0.2, nil, false},
			{"Mango 100% fresh", "Cy", 0.5, day(1), true},
			{"banana_split", "Ann", 0.5, day(2), true},
			{"Cherry Go tips", "Dee", 0.7, nil, true},
			{"date night", "Eve", 0.5, day(2), false},
			{"Elder scrolls", "ann marie", 0.1, day(5), true},
		}
		byID := map[string]seed{}
		var found []string
		for i, s := range seeds {
			pr, _, err := e.crew.SaveProspect(t.Context(), campaign.Prospect{
				CampaignID: cid, URL: fmt.Sprintf("https://blog%d.example.com/post", i), Site: fmt.Sprintf("blog%d.example.com", i),
				Title: s.title, Author: s.author, Summary: "s", Relevance: s.rel, PublishedAt: s.pub,
				AcceptsComments: s.open, CommentSystem: campaign.CommentsNative,
			})
			require.NoError(t, err)
			byID[pr.ID] = s
			found = append(found, pr.ID)
		}
		base := "/api/campaigns/" + cid + "/prospects"
		// Expected orders, computed here; ties go by the order found.
		order := func(less func(a, b seed) int, desc bool) []string {
			ids := slices.Clone(found)
			slices.SortStableFunc(ids, func(x, y string) int {
				c := less(byID[x], byID[y])
				if c == 0 {
					c = strings.Compare(x, y)
				}
				if desc {
					return -c
				}
				return c
			})
			return ids
		}
		pubOf := func(s seed) time.Time {
			if s.pub == nil {
				return time.Unix(0, 0)
			}
			return *s.pub
		}
		cases := map[string][]string{
			"found":         found,
			"-found":        order(func(a, b seed) int { return 0 }, true),
			"title":         order(func(a, b seed) int { return strings.Compare(strings.ToLower(a.title), strings.ToLower(b.title)) }, false),
			"-title":        order(func(a, b seed) int { return strings.Compare(strings.ToLower(a.title), strings.ToLower(b.title)) }, true),
			"relevance":     order(func(a, b seed) int { return cmpFloat(a.rel, b.rel) }, false),
			"-relevance":    order(func(a, b seed) int { return cmpFloat(a.rel, b.rel) }, true),
			"published_at":  order(func(a, b seed) int { return pubOf(a).Compare(pubOf(b)) }, false),
			"-published_at": order(func(a, b seed) int { return pubOf(a).Compare(pubOf(b)) }, true),
		}
		for sort, want := range cases {
			for _, limit := range []string{"2", "3", "50"} {
				ids, totals, _ := allPages(t, e, owner, base, url.Values{"sort": {sort}, "limit": {limit}})
				assert.Equal(t, want, ids, "sort=%s limit=%s: every prospect once, in order", sort, limit)
				for _, n := range totals {
					assert.Equal(t, len(seeds), n)
				}
			}
		}
		// No sort: the contract's order found, and a page of it continues.
		ids, _, pages := allPages(t, e, owner, base, url.Values{"limit": {"3"}})
		assert.Equal(t, found, ids)
		assert.Equal(t, 3, pages)

		// Filters, alone and together, with every page reporting the total.
		filtered := func(q url.Values) []string {
			ids, totals, _ := allPages(t, e, owner, base, q)
			for _, n := range totals {
				assert.Equal(t, len(ids), n, "total of %v", q)
			}
			return ids
		}
		titles := func(ids []string) []string {
			out := make([]string, len(ids))
			for i, id := range ids {
				out[i] = byID[id].title
			}
			return out
		}
		assert.Equal(t, []string{"Zebra databases", "Mango 100% fresh", "banana_split", "Cherry Go tips", "Elder scrolls"},
			titles(filtered(url.Values{"accepts_comments": {"true"}, "limit": {"2"}})))
		assert.ElementsMatch(t, []string{"Zebra databases", "Cherry Go tips"}, titles(filtered(url.Values{"min_relevance": {"0.6"}})))
		assert.ElementsMatch(t, []string{"Zebra databases", "banana_split", "Elder scrolls"}, titles(filtered(url.Values{"q": {"ANN"}})), "author, any case")
		assert.ElementsMatch(t, []string{"apple pie with SQL"}, titles(filtered(url.Values{"q": {"sql"}})), "title, any case")
		assert.ElementsMatch(t, []string{"Mango 100% fresh"}, titles(filtered(url.Values{"q": {"100%"}})), "% is literal")
		assert.ElementsMatch(t, []string{"banana_split"}, titles(filtered(url.Values{"q": {"a_s"}})), "_ is literal")
		assert.ElementsMatch(t, []string{"Cherry Go tips"}, titles(filtered(url.Values{"q": {"blog4"}})), "site")
		assert.Empty(t, filtered(url.Values{"q": {"nothing like it"}}))
		assert.Equal(t, []string{"banana_split", "Zebra databases"},
			titles(filtered(url.Values{"q": {"ann"}, "min_relevance": {"0.3"}, "accepts_comments": {"true"}, "sort": {"relevance"}, "limit": {"1"}})))

		// Bad input is a 422 naming the query parameter.
		for q, loc := range map[string]string{
			"sort=author": "query.sort", "min_relevance=2": "query.min_relevance", "q=" + strings.Repeat("x", 201): "query.q",
			"limit=0": "query.limit", "cursor=%21%21": "query.cursor",
		} {
			p := requireProblem(t, e.do("GET", base+"?"+q, nil, bearer(owner.AccessToken)), http.StatusUnprocessableEntity)
			assert.Contains(t, fieldLocations(p), loc, q)
		}
		// A cursor of another order is refused, not misread.
		r := e.do("GET", base+"?sort=title&limit=2", nil, bearer(owner.AccessToken))
		var p prospectPage
		require.NoError(t, json.Unmarshal(r.body, &p))
		require.NotEmpty(t, p.NextCursor)
		requireProblem(t, e.do("GET", base+"?sort=-title&limit=2&cursor="+p.NextCursor, nil, bearer(owner.AccessToken)), http.StatusUnprocessableEntity)

		// Another user's campaign stays 404 whatever the query.
		other := e.register("zed@example.com", "password-123")
		requireProblem(t, e.do("GET", base+"?sort=relevance&q=a", nil, bearer(other.AccessToken)), http.StatusNotFound)
	})
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestCommentsCarryTheirProspect(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		owner := e.register("rey@example.com", "password-123")
		cid, drafts := e.seedCampaign(owner, "Review", 3)
		r := e.do("GET", "/api/campaigns/"+cid+"/comments?status=draft", nil, bearer(owner.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var list struct {
			Items []struct {
				ID         string          `json:"id"`
				ProspectID string          `json:"prospect_id"`
				Prospect   *map[string]any `json:"prospect"`
			} `json:"items"`
		}
		require.NoError(t, json.Unmarshal(r.body, &list))
		require.Len(t, list.Items, len(drafts))
		for _, it := range list.Items {
			require.NotNil(t, it.Prospect, "draft %s", it.ID)
			pr := *it.Prospect
			assert.Equal(t, it.ProspectID, pr["id"])
			assert.NotEmpty(t, pr["title"])
			assert.Contains(t, pr["summary"], "A post about")
			assert.NotContains(t, pr, "text", "never the post's full text")
		}
		// The single-draft view stays as it was.
		one := e.do("GET", "/api/comments/"+drafts[0], nil, bearer(owner.AccessToken))
		require.Equal(t, http.StatusOK, one.status)
		assert.NotContains(t, one.json(t), "prospect")
	})
}
