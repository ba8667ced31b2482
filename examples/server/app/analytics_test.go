package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage/dbtest"
)

// routeCounts reads GET /api/admin/analytics and returns the requests and
// client errors of one route.
func routeCounts(t *testing.T, base, token, route string) (requests, clientErrors float64) {
	t.Helper()
	req := mustReq(t, http.MethodGet, base+"/api/admin/analytics?window=1h")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, body := do(t, req)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
	require.Contains(t, body, "runs_by_hour")
	routes, _ := body["routes"].([]any)
	for _, r := range routes {
		m := r.(map[string]any)
		if m["route"] == route && m["method"] == http.MethodGet {
			return m["requests"].(float64), m["client_errors"].(float64)
		}
	}
	return 0, 0
}

// TestAnalyticsAcrossInstances runs two instances on one PostgreSQL
// schema: each instance's report is the sum of both instances' traffic,
// and it survives an instance's restart (its last minutes are flushed on
// shutdown).
func TestAnalyticsAcrossInstances(t *testing.T) {
	env := map[string]string{
		"KPBOT_DATABASE_URL":   dbtest.PostgresDSN(t),
		"KPBOT_JWT_SECRET":     strings.Repeat("s", 40),
		"KPBOT_BCRYPT_COST":    "4",
		"KPBOT_ADMIN_EMAIL":    "admin@example.com",
		"KPBOT_ADMIN_PASSWORD": "admin password 1",
	}
	baseA, _, stopA := startApp(t, env)
	baseB, _, _ := startApp(t, env)
	resp, login := postJSON(t, baseA+"/api/auth/login", "", map[string]any{"email": "admin@example.com", "password": "admin password 1"})
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", login)
	token := login["access_token"].(string)

	hit := func(base, path string, n int) {
		for range n {
			resp, _ := do(t, mustReq(t, http.MethodGet, base+path))
			require.NotZero(t, resp.StatusCode)
		}
	}
	hit(baseA, "/healthz", 3)
	hit(baseB, "/healthz", 4)
	hit(baseA, "/api/campaigns/does-not-exist", 2) // 401 without a token
	hit(baseB, "/api/campaigns/does-not-exist", 1)

	// Each report flushes the instance asked; a request is counted just
	// after its response, so poll until both have flushed everything.
	counts := func(base string) [3]float64 {
		h, _ := routeCounts(t, base, token, "/healthz")
		n, c4 := routeCounts(t, base, token, "/api/campaigns/:id")
		return [3]float64{h, n, c4}
	}
	want := [3]float64{7, 3, 3}
	require.Eventually(t, func() bool { return counts(baseA) == want && counts(baseB) == want }, 20*time.Second, 50*time.Millisecond)
	assert.Equal(t, want, counts(baseA), "whichever instance is asked")
	assert.Equal(t, want, counts(baseB), "whichever instance is asked")

	// A's last requests are saved when it stops; a fresh instance reports them.
	hit(baseA, "/healthz", 2)
	require.NoError(t, stopA())
	baseC, _, _ := startApp(t, env)
	require.Eventually(t, func() bool { return counts(baseC)[0] == 9 }, 20*time.Second, 50*time.Millisecond,
		"the stopped instance flushed its last requests")
	assert.Equal(t, [3]float64{9, 3, 3}, counts(baseB))
}
