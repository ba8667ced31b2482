package httpapi

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web/webtest"
)

// TestRunWarningThroughTheAPI: a run whose every post answers 404 ends
// succeeded, and GET /api/runs/{id} says why: warnings and failures by
// cause in its stats.
func TestRunWarningThroughTheAPI(t *testing.T) {
	s := webtest.NewStrictSite(t)
	var items strings.Builder
	for _, p := range []string{"/gone/one/", "/gone/two/"} {
		fmt.Fprintf(&items, "<item><title>%s</title><link>%s%s</link></item>", p, s.URL, p)
	}
	s.Handle("/", "text/html", `<html><head><link rel="alternate" type="application/rss+xml" href="/feed/"></head><body><p>Home</p></body></html>`)
	s.Handle("/feed/", "application/rss+xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>`+items.String()+`</channel></rss>`)
	eachCrewDB(t, crewOpts{start: true}, func(t *testing.T, e *crewEnv) {
		owner := e.register("warned@example.com", "owner-password")
		r := e.do("POST", "/api/campaigns", map[string]any{
			"name": "gone", "keywords": []string{"garden"}, "seed_urls": []string{s.URL + "/"},
		}, bearer(owner.AccessToken))
		require.Equal(t, http.StatusCreated, r.status, "body: %s", r.body)
		cid := r.json(t)["id"].(string)
		r = e.do("POST", "/api/campaigns/"+cid+"/runs", nil, bearer(owner.AccessToken))
		require.Equal(t, http.StatusAccepted, r.status, "body: %s", r.body)
		run := e.waitRun(owner, r.json(t)["id"].(string))
		require.Equal(t, "succeeded", run["status"], "run: %v", run)
		stats := run["stats"].(map[string]any)
		assert.EqualValues(t, 2, stats["fetch_failures"])
		assert.Equal(t, map[string]any{"not_found": float64(2)}, stats["fetch_failures_by_reason"])
		warnings, _ := stats["warnings"].([]any)
		require.Len(t, warnings, 1, "stats: %v", stats)
		assert.Contains(t, warnings[0], "every post fetch failed")
	})
}
