package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// analyticsBody is the decoded body of GET /api/admin/analytics.
type analyticsBody struct {
	Window               string           `json:"window"`
	From                 time.Time        `json:"from"`
	To                   time.Time        `json:"to"`
	Routes               []RouteAnalytics `json:"routes"`
	WebSocketConnections int              `json:"websocket_connections"`
	RunsByStatus         map[string]int   `json:"runs_by_status"`
}

func (b *analyticsBody) route(t *testing.T, method, route string) RouteAnalytics {
	t.Helper()
	for _, r := range b.Routes {
		if r.Method == method && r.Route == route {
			return r
		}
	}
	require.Failf(t, "route not listed", "%s %s in %+v", method, route, b.Routes)
	return RouteAnalytics{}
}

func withAnalyticsSources(ws func() int, runs func(context.Context) (map[agents.RunStatus]int, error)) testOpt {
	return func(s *testSetup) {
		s.deps.WSConnections = ws
		s.deps.RunsByStatus = runs
	}
}

func TestAdminAnalytics(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		runCounts := map[agents.RunStatus]int{agents.RunQueued: 2, agents.RunRunning: 1, agents.RunSucceeded: 7, agents.RunCancelled: 1}
		e := newEnv(
			withAnalyticsSources(func() int { return 3 }, func(context.Context) (map[agents.RunStatus]int, error) { return runCounts, nil }),
			withRoutes(func(s *Server) {
				s.Router().GET("/test/boom", func(http.ResponseWriter, bunrouter.Request) error { return errors.New("boom") })
			}),
		)
		root := e.admin()                                       // POST /api/auth/login: 200
		user := e.register("plain@example.com", "password-123") // POST /api/auth/register: 201
		mod := e.register("mod@example.com", "password-123")    // POST /api/auth/register: 201
		r := e.do("PATCH", "/api/admin/users/"+mod.User["id"].(string), map[string]any{"role": "moderator"}, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)

		for range 3 {
			requireProblem(t, e.do("GET", "/api/no/such/thing", nil), http.StatusNotFound)
		}
		for range 2 {
			requireProblem(t, e.do("GET", "/api/auth/me", nil), http.StatusUnauthorized)
		}
		require.Equal(t, http.StatusOK, e.do("GET", "/api/auth/me", nil, bearer(user.AccessToken)).status)
		require.Equal(t, http.StatusInternalServerError, e.do("GET", "/test/boom", nil).status)

		// Who may read analytics, and which windows.
		requireProblem(t, e.do("GET", "/api/admin/analytics", nil), http.StatusUnauthorized)
		requireProblem(t, e.do("GET", "/api/admin/analytics", nil, bearer(user.AccessToken)), http.StatusForbidden)
		requireProblem(t, e.do("GET", "/api/admin/analytics", nil, bearer(mod.AccessToken)), http.StatusForbidden)
		for _, bad := range []string{"30s", "25h", "abc", "-1h", "0"} {
			p := requireProblem(t, e.do("GET", "/api/admin/analytics?window="+bad, nil, bearer(root.AccessToken)), http.StatusUnprocessableEntity)
			assert.Equal(t, []string{"query.window"}, fieldLocations(p), "window=%s", bad)
		}
		for _, ok := range []string{"1m", "24h", "90m"} {
			r := e.do("GET", "/api/admin/analytics?window="+ok, nil, bearer(root.AccessToken))
			require.Equal(t, http.StatusOK, r.status, "window=%s: %s", ok, r.body)
			var b analyticsBody
			require.NoError(t, json.Unmarshal(r.body, &b))
			assert.Equal(t, ok, b.Window)
		}

		r = e.do("GET", "/api/admin/analytics", nil, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		raw := r.json(t)
		assert.ElementsMatch(t, []string{"window", "from", "to", "routes", "websocket_connections", "runs_by_status", "runs_by_hour", "tokens_by_campaign", "tokens_by_campaign_day"}, keys(raw))
		var b analyticsBody
		require.NoError(t, json.Unmarshal(r.body, &b))
		assert.Equal(t, "1h", b.Window, "the default window")
		assert.WithinDuration(t, time.Now(), b.To, time.Minute)
		assert.True(t, !b.From.After(b.To.Add(-time.Hour)) && b.From.After(b.To.Add(-time.Hour-time.Minute)),
			"from %v is the minute of to-1h (%v)", b.From, b.To)
		assert.Equal(t, 3, b.WebSocketConnections)
		assert.Equal(t, map[string]int{"queued": 2, "running": 1, "succeeded": 7, "failed": 0, "cancelled": 1}, b.RunsByStatus)

		for _, row := range raw["routes"].([]any) {
			assert.ElementsMatch(t, []string{"method", "route", "requests", "client_errors", "server_errors", "error_rate", "p50_ms", "p95_ms", "p99_ms"},
				keys(row.(map[string]any)))
		}
		unmatched := b.route(t, "GET", "unmatched")
		assert.EqualValues(t, 3, unmatched.Requests)
		assert.EqualValues(t, 3, unmatched.ClientErrors)
		assert.EqualValues(t, 1, unmatched.ErrorRate)
		me := b.route(t, "GET", "/api/auth/me")
		assert.EqualValues(t, 3, me.Requests)
		assert.EqualValues(t, 2, me.ClientErrors)
		assert.Zero(t, me.ServerErrors)
		assert.InDelta(t, 2.0/3, me.ErrorRate, 1e-9)
		boom := b.route(t, "GET", "/test/boom")
		assert.EqualValues(t, 1, boom.Requests)
		assert.EqualValues(t, 1, boom.ServerErrors)
		assert.EqualValues(t, 1, boom.ErrorRate)
		reg := b.route(t, "POST", "/api/auth/register")
		assert.EqualValues(t, 2, reg.Requests)
		assert.Zero(t, reg.ErrorRate)
		login := b.route(t, "POST", "/api/auth/login")
		assert.EqualValues(t, 1, login.Requests)
		// The analytics route itself: 401, 403 twice, five 422s and three
		// 200s so far (this request is counted once it is answered).
		an := b.route(t, "GET", "/api/admin/analytics")
		assert.EqualValues(t, 11, an.Requests)
		assert.EqualValues(t, 8, an.ClientErrors)
		assert.InDelta(t, 8.0/11, an.ErrorRate, 1e-9)

		for _, row := range b.Routes {
			assert.Positive(t, row.P50Ms, "%s %s", row.Method, row.Route)
			assert.LessOrEqual(t, row.P50Ms, row.P95Ms, "%s %s", row.Method, row.Route)
			assert.LessOrEqual(t, row.P95Ms, row.P99Ms, "%s %s", row.Method, row.Route)
			assert.Less(t, row.P99Ms, 10_000.0, "%s %s", row.Method, row.Route)
		}
		// Login checks a bcrypt hash, a 404 does not.
		assert.Greater(t, login.P50Ms, unmatched.P50Ms)
	})
}

func TestAdminAnalyticsWithoutSources(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		root := e.admin()
		r := e.do("GET", "/api/admin/analytics?window=5m", nil, bearer(root.AccessToken))
		require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
		var b analyticsBody
		require.NoError(t, json.Unmarshal(r.body, &b))
		assert.Zero(t, b.WebSocketConnections)
		assert.Equal(t, map[string]int{"queued": 0, "running": 0, "succeeded": 0, "failed": 0, "cancelled": 0}, b.RunsByStatus)
		assert.EqualValues(t, 1, b.route(t, "POST", "/api/auth/login").Requests)
	})
}

func TestAdminAnalyticsRunCountFails(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withAnalyticsSources(nil, func(context.Context) (map[agents.RunStatus]int, error) {
			return nil, errors.New("database is down")
		}))
		root := e.admin()
		p := requireProblem(t, e.do("GET", "/api/admin/analytics", nil, bearer(root.AccessToken)), http.StatusInternalServerError)
		assert.NotEmpty(t, p["error_id"])
		assert.NotContains(t, p["detail"], "database is down")
	})
}

func TestAnalyticsTokensByCampaign(t *testing.T) {
	t.Parallel()
	for name, open := range map[string]func(t *testing.T) *bun.DB{
		"sqlite":   func(t *testing.T) *bun.DB { return dbtest.SQLite(t) },
		"postgres": func(t *testing.T) *bun.DB { return dbtest.Postgres(t).Bun },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := open(t)
			spend := bunstore.NewLLMSpend(db, agents.BudgetLimits{}, nil)
			e := newTestServer(t, db, func(s *testSetup) {
				s.deps.TokensByCampaign = func(ctx context.Context) ([]CampaignTokens, error) {
					rows, err := spend.Today(ctx)
					out := make([]CampaignTokens, len(rows))
					for i, r := range rows {
						out[i] = CampaignTokens{CampaignID: r.Key, Name: r.Name, Tokens: r.Tokens, CostUSD: r.CostUSD}
					}
					return out, err
				}
				s.deps.TokensByCampaignDay = func(ctx context.Context) ([]CampaignDayTokens, error) {
					rows, err := spend.ByDay(ctx)
					out := make([]CampaignDayTokens, len(rows))
					for i, r := range rows {
						out[i] = CampaignDayTokens{Day: r.Day, CampaignTokens: CampaignTokens{CampaignID: r.Key, Name: r.Name, Tokens: r.Tokens, CostUSD: r.CostUSD}}
					}
					return out, err
				}
			})
			root := e.admin()
			empty := e.do("GET", "/api/admin/analytics?window=1h", nil, bearer(root.AccessToken))
			assert.Contains(t, string(empty.body), `"tokens_by_campaign":[]`)
			assert.Contains(t, string(empty.body), `"tokens_by_campaign_day":[]`)

			cid := e.createCampaign(root, "Tokens")["id"].(string)
			require.NoError(t, spend.Spend(t.Context(), cid, 1200, 0.5))
			require.NoError(t, spend.Spend(t.Context(), cid, 300, 0.25))
			require.NoError(t, spend.Spend(t.Context(), "agents:comment", 40, 0))

			r := e.do("GET", "/api/admin/analytics?window=1h", nil, bearer(root.AccessToken))
			require.Equal(t, http.StatusOK, r.status, "body: %s", r.body)
			var rep struct {
				Tokens []CampaignTokens    `json:"tokens_by_campaign"`
				Days   []CampaignDayTokens `json:"tokens_by_campaign_day"`
			}
			require.NoError(t, json.Unmarshal(r.body, &rep))
			assert.Equal(t, []CampaignTokens{
				{CampaignID: cid, Name: "Tokens", Tokens: 1500, CostUSD: 0.75},
				{CampaignID: "agents:comment", Tokens: 40},
			}, rep.Tokens)
			today := time.Now().UTC().Format(time.DateOnly)
			assert.Equal(t, []CampaignDayTokens{
				{Day: today, CampaignTokens: CampaignTokens{CampaignID: cid, Name: "Tokens", Tokens: 1500, CostUSD: 0.75}},
				{Day: today, CampaignTokens: CampaignTokens{CampaignID: "agents:comment", Tokens: 40}},
			}, rep.Days)
		})
	}
}
