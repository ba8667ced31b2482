package httpapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// openAPIDoc fetches the server's document as generic JSON.
func openAPIDoc(t *testing.T, e *testEnv) map[string]any {
	t.Helper()
	r := e.do("GET", "/openapi.json", nil)
	require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(r.body, &doc))
	return doc
}

// nullableArrays lists the JSON paths in doc whose schema is an array
// that may be null.
func nullableArrays(v any, path string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if ts, ok := x["type"].([]any); ok && slices.Contains(ts, any("array")) && slices.Contains(ts, any("null")) {
			out = append(out, path)
		}
		for k, c := range x {
			out = append(out, nullableArrays(c, path+"/"+k)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, nullableArrays(c, path+"/[]")...)
		}
	}
	return out
}

func TestOpenAPIDocumentIsExact(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	e := newTestServer(t, db, func(s *testSetup) {
		s.deps.Notifications = new(notify.Service) // documented, not called
		s.deps.Events = EventsDeps{Log: bunstore.NewEvents(db), Rights: notify.NewTopicRights(nil, nil)}
	})
	doc := openAPIDoc(t, e)

	assert.Empty(t, nullableArrays(doc, ""), "no list may be typed T[] | null")

	var tagNames []string
	for _, tg := range doc["tags"].([]any) {
		m := tg.(map[string]any)
		assert.NotEmpty(t, m["description"], "tag %v", m["name"])
		tagNames = append(tagNames, m["name"].(string))
	}
	assert.NotEmpty(t, doc["servers"])

	public := map[string]bool{"register": true, "login": true, "refresh": true, "healthz": true, "readyz": true, "metrics": true}
	seenPublic := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			op := raw.(map[string]any)
			id, _ := op["operationId"].(string)
			where := method + " " + path + " (" + id + ")"
			assert.NotEmpty(t, op["description"], "description of %s", where)
			for _, tg := range op["tags"].([]any) {
				assert.Contains(t, tagNames, tg, "root tag list of %s", where)
			}
			sec, ok := op["security"].([]any)
			require.True(t, ok, "security of %s must be present", where)
			if public[id] {
				seenPublic++
				assert.Empty(t, sec, "%s is public: security: []", where)
			} else {
				assert.NotEmpty(t, sec, "%s needs a bearer token", where)
			}
		}
	}
	assert.Equal(t, len(public), seenPublic)

	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	// Every event name has exactly one variant, whose data is a schema.
	names := map[string]int{}
	for _, ref := range schemas["EventMessage"].(map[string]any)["oneOf"].([]any) {
		name := strings.TrimPrefix(ref.(map[string]any)["$ref"].(string), "#/components/schemas/")
		v := schemas[name].(map[string]any)
		props := v["properties"].(map[string]any)
		data := props["data"].(map[string]any)
		require.NotEmpty(t, data["$ref"], "data of %s", name)
		require.Contains(t, schemas, strings.TrimPrefix(data["$ref"].(string), "#/components/schemas/"))
		for _, n := range props["event"].(map[string]any)["enum"].([]any) {
			names[n.(string)]++
		}
	}
	for _, n := range []string{agents.EventRunQueued, agents.EventRunStarted, agents.EventRunProgress, agents.EventRunSucceeded,
		agents.EventRunFailed, agents.EventRunCancelled, agents.EventProspectFound, agents.EventCommentDrafted,
		events.CommentReviewed, events.Notification} {
		assert.Equal(t, 1, names[n], "event %s", n)
	}
	noteData := schemas["NotificationView"].(map[string]any)["properties"].(map[string]any)["data"].(map[string]any)
	assert.Len(t, noteData["oneOf"], 2)
	assert.Contains(t, schemas, "NotificationEventData")
}

// TestListsAreNeverNull checks that the lists the document types as
// arrays are sent as [] when empty, never null.
func TestListsAreNeverNull(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t))
	root := e.admin()
	for _, path := range []string{"/api/auth/me", "/api/auth/sessions", "/api/admin/users", "/api/admin/analytics?window=1h",
		"/api/campaigns", "/api/agents"} {
		r := e.do("GET", path, nil, bearer(root.AccessToken))
		if r.status == http.StatusNotFound && path == "/api/agents" {
			continue // no crew in this server
		}
		require.Equal(t, http.StatusOK, r.status, "%s: %s", path, r.body)
		assert.NotContains(t, string(r.body), "null", path)
	}
	r := e.do("GET", "/api/campaigns", nil, bearer(root.AccessToken))
	assert.Contains(t, string(r.body), `"items":[]`)
	r = e.do("GET", "/api/auth/me", nil, bearer(root.AccessToken))
	assert.Contains(t, string(r.body), `"permissions":[`)
}
