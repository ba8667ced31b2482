package httpapi

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage/dbtest"
)

func TestExportComments(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		root := e.admin()
		alice := e.register("alice@example.com", "alice-password")
		bob := e.register("bob@example.com", "bob-password")
		mod := e.moderator(root, "mod@example.com")
		id := e.createCampaign(alice, "Export")["id"].(string)

		// Three posts; one title and one body a spreadsheet would run.
		plain := e.seedProspect(id, "https://blog.example.com/plain", "Plain title, with a comma")
		formula := e.seedProspect(id, "https://blog.example.com/formula", "=HYPERLINK(\"http://evil.example\",\"click\")")
		other := e.seedProspect(id, "https://blog.example.com/other", "Other")
		dPlain := e.seedDraft(id, plain.ID, "Your \"quoted\" point on escape analysis,\nacross two lines.")
		dFormula := e.seedDraft(id, formula.ID, "+SUM(A1:A9) is how the post's cache numbers add up")
		dOther := e.seedDraft(id, other.ID, "Rejected comment about goroutines.")

		// Nothing approved yet: JSON [] and a CSV with only its header.
		r := e.do("GET", "/api/campaigns/"+id+"/comments/export", nil, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.JSONEq(t, `[]`, string(r.body))
		r = e.do("GET", "/api/campaigns/"+id+"/comments/export?format=csv", nil, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		recs, err := csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		require.NoError(t, err)
		assert.Equal(t, [][]string{campaign.ExportColumns}, recs)

		// Approve two (formula first), reject one.
		for _, d := range []string{dFormula.ID, dPlain.ID} {
			e.clock.Advance(time.Second)
			require.Equal(t, http.StatusOK, e.do("POST", "/api/comments/"+d+"/approve", nil, bearer(mod.AccessToken)).status)
		}
		require.Equal(t, http.StatusOK, e.do("POST", "/api/comments/"+dOther.ID+"/reject", nil, bearer(mod.AccessToken)).status)

		// JSON (the default): the approved drafts with their posts, in order of approval.
		r = e.do("GET", "/api/campaigns/"+id+"/comments/export", nil, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
		assert.Equal(t, `attachment; filename="campaign-`+id+`-approved.json"`, r.header.Get("Content-Disposition"))
		assert.Equal(t, "no-store", r.header.Get("Cache-Control"))
		var rows []map[string]any
		require.NoError(t, json.Unmarshal(r.body, &rows), "body: %s", r.body)
		require.Len(t, rows, 2)
		assert.ElementsMatch(t, campaign.ExportColumns, keys(rows[0]))
		assert.Equal(t, dFormula.ID, rows[0]["draft_id"])
		assert.Equal(t, formula.URL, rows[0]["post_url"])
		assert.Equal(t, formula.Title, rows[0]["post_title"], "JSON carries the text as is")
		assert.Equal(t, dFormula.Body, rows[0]["body"])
		assert.Equal(t, mod.User["id"], rows[0]["reviewed_by"])
		assert.Equal(t, dPlain.ID, rows[1]["draft_id"])
		assert.Equal(t, plain.URL, rows[1]["post_url"])
		assert.Equal(t, "blog.example.com", rows[1]["site"])
		assert.Equal(t, e.clock.Now().UTC().Format(time.RFC3339), rows[1]["approved_at"])
		assert.Equal(t, r.body, e.do("GET", "/api/campaigns/"+id+"/comments/export?format=json", nil, bearer(alice.AccessToken)).body)

		// CSV: headers, RFC 4180 quoting, formulas defused.
		r = e.do("GET", "/api/campaigns/"+id+"/comments/export?format=csv", nil, bearer(alice.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		assert.Equal(t, "text/csv; charset=utf-8", r.header.Get("Content-Type"))
		assert.Equal(t, `attachment; filename="campaign-`+id+`-approved.csv"`, r.header.Get("Content-Disposition"))
		assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
		recs, err = csv.NewReader(bytes.NewReader(r.body)).ReadAll()
		require.NoError(t, err, "body: %s", r.body)
		require.Len(t, recs, 3)
		assert.Equal(t, campaign.ExportColumns, recs[0])
		col := func(name string) int {
			for i, c := range campaign.ExportColumns {
				if c == name {
					return i
				}
			}
			t.Fatalf("no column %s", name)
			return -1
		}
		assert.Equal(t, dFormula.ID, recs[1][col("draft_id")])
		assert.Equal(t, "'"+formula.Title, recs[1][col("post_title")], "a formula title is defused")
		assert.Equal(t, "'"+dFormula.Body, recs[1][col("body")], "a formula body is defused")
		assert.Equal(t, formula.URL, recs[1][col("post_url")])
		assert.Equal(t, dPlain.Body, recs[2][col("body")], "quotes, commas and newlines survive")
		assert.Equal(t, plain.Title, recs[2][col("post_title")])
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if cell != "" {
					assert.NotContains(t, "=+-@\t\r", cell[:1], "no cell starts a formula: %q", cell)
				}
			}
		}

		// A moderator may export; another user sees nothing; a bad format is 422.
		assert.Equal(t, http.StatusOK, e.do("GET", "/api/campaigns/"+id+"/comments/export?format=csv", nil, bearer(mod.AccessToken)).status)
		requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/comments/export", nil, bearer(bob.AccessToken)), http.StatusNotFound)
		p := requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/comments/export?format=xlsx", nil, bearer(alice.AccessToken)), http.StatusUnprocessableEntity)
		assert.Contains(t, fieldLocations(p), "query.format")
		requireProblem(t, e.do("GET", "/api/campaigns/"+id+"/comments/export", nil), http.StatusUnauthorized)
	})
}

// TestCampaignOpenAPI checks that every campaign route is documented
// with its tag, summary and bearer security, and that the export
// documents both of its media types.
func TestCampaignOpenAPI(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t))
	doc := e.do("GET", "/openapi.json", nil).json(t)
	paths := doc["paths"].(map[string]any)
	for path, methods := range map[string]map[string]string{
		"/api/campaigns":                      {"post": "campaigns", "get": "campaigns"},
		"/api/campaigns/{id}":                 {"get": "campaigns", "patch": "campaigns", "delete": "campaigns"},
		"/api/campaigns/{id}/prospects":       {"get": "campaigns"},
		"/api/campaigns/{id}/comments":        {"get": "comments"},
		"/api/campaigns/{id}/comments/export": {"get": "comments"},
		"/api/comments/{id}":                  {"get": "comments", "patch": "comments"},
		"/api/comments/{id}/approve":          {"post": "comments"},
		"/api/comments/{id}/reject":           {"post": "comments"},
	} {
		item, ok := paths[path].(map[string]any)
		require.True(t, ok, "path %s documented", path)
		for method, tag := range methods {
			op, ok := item[method].(map[string]any)
			require.True(t, ok, "%s %s documented", method, path)
			assert.NotEmpty(t, op["summary"], "%s %s", method, path)
			assert.Equal(t, []any{tag}, op["tags"], "%s %s", method, path)
			assert.Equal(t, []any{map[string]any{"bearer": []any{}}}, op["security"], "%s %s", method, path)
			assert.Contains(t, op["responses"], "401", "%s %s", method, path)
		}
	}
	export := paths["/api/campaigns/{id}/comments/export"].(map[string]any)["get"].(map[string]any)
	content := export["responses"].(map[string]any)["200"].(map[string]any)["content"].(map[string]any)
	assert.Contains(t, content, "application/json")
	assert.Contains(t, content, "text/csv")
	assert.Equal(t, "array", content["application/json"].(map[string]any)["schema"].(map[string]any)["type"])

	create := paths["/api/campaigns"].(map[string]any)["post"].(map[string]any)
	assert.Contains(t, create["responses"], "201")
}

// TestCampaignRoutesNeedService: without Deps.Campaigns the server has
// no campaign routes, and everything else works as before.
func TestCampaignRoutesNeedService(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t))
	srv, err := New(Config{Logger: slog.New(slog.DiscardHandler)}, Deps{Auth: e.svc})
	require.NoError(t, err)
	assert.NotContains(t, srv.API().OpenAPI().Paths, "/api/campaigns")
	assert.NotContains(t, srv.API().OpenAPI().Paths, "/api/comments/{id}/approve")
	assert.Contains(t, srv.API().OpenAPI().Paths, "/api/auth/me")
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	tk := e.register("solo@example.com", "solo-password")
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, ts.URL+"/api/campaigns", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tk.AccessToken)
	res, err := ts.Client().Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}
