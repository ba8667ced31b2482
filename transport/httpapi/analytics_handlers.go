package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
)

// DefaultAnalyticsWindow is the window of GET /api/admin/analytics when
// the query names none.
const DefaultAnalyticsWindow = time.Hour

// RunStatusCounts counts the stored runs by status.
type RunStatusCounts struct {
	Queued    int `json:"queued"`
	Running   int `json:"running"`
	Succeeded int `json:"succeeded"`
	Failed    int `json:"failed"`
	Cancelled int `json:"cancelled"`
}

// AnalyticsReport is the body of GET /api/admin/analytics.
type AnalyticsReport struct {
	Window               string              `json:"window" doc:"The window asked for, as a Go duration."`
	From                 time.Time           `json:"from" doc:"Start of the oldest bucket counted: at most one minute before to minus window (kept in memory only: beyond the last two hours, one hour)."`
	To                   time.Time           `json:"to"`
	Routes               []RouteAnalytics    `json:"routes" doc:"Routes with requests in the window, by route then method."`
	WebSocketConnections int                 `json:"websocket_connections" doc:"Open WebSocket connections on this instance."`
	RunsByStatus         RunStatusCounts     `json:"runs_by_status" doc:"Every stored run, by status."`
	RunsByHour           []RunsHour          `json:"runs_by_hour" doc:"Runs created in each UTC hour of the window, by current status, oldest first; hours without runs are left out."`
	TokensByCampaignDay  []CampaignDayTokens `json:"tokens_by_campaign_day" doc:"Model tokens and cost by UTC day (the last 7, newest first) and campaign, most first within a day."`
	TokensByCampaign     []CampaignTokens    `json:"tokens_by_campaign" doc:"Model tokens and cost spent today (UTC) by campaign, most first (what the model server reported; the offline writer spends none)."`
}

// RunsHour counts the runs created in one UTC hour by their status now.
type RunsHour struct {
	Hour time.Time `json:"hour" doc:"Start of the hour, UTC."`
	RunStatusCounts
}

// CampaignDayTokens is one campaign's model usage on one UTC day.
type CampaignDayTokens struct {
	Day string `json:"day" doc:"YYYY-MM-DD, UTC."`
	CampaignTokens
}

// CampaignTokens is one campaign's model usage today.
type CampaignTokens struct {
	CampaignID string  `json:"campaign_id" doc:"The campaign (or another budget key, for calls outside a campaign)."`
	Name       string  `json:"name" doc:"The campaign's name; empty when the key is not a campaign or it was deleted."`
	Tokens     int64   `json:"tokens"`
	CostUSD    float64 `json:"cost_usd" doc:"At the configured prices; 0 when none are set."`
}

type analyticsInput struct {
	Window string `query:"window" default:"1h" maxLength:"32" doc:"A Go duration between 1m and 24h, e.g. 15m, 1h, 6h30m."`
}

type analyticsOutput struct{ Body AnalyticsReport }

func (s *Server) registerAnalytics() {
	huma.Register(s.api, huma.Operation{
		OperationID: "admin-analytics", Method: http.MethodGet, Path: "/api/admin/analytics", Tags: []string{"admin"},
		Summary: "Traffic, WebSocket and run analytics",
		Description: "Per-route request counts, client and server error rates and p50/p95/p99 latency over the window " +
			"(every instance's minute rollups from the database when the server keeps them there, else this instance's, from memory), open WebSocket connections, every stored run by status, runs created per hour by status, today's model tokens by campaign, and the last 7 days' by day and campaign. " +
			"Latency quantiles are read from log-spaced bins and are within ±11.3% between 0.1 ms and 60 s.",
		Security: BearerSecurity(),
		Metadata: map[string]any{MetadataPermission: auth.PermAnalyticsRead},
		Errors:   []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *analyticsInput) (*analyticsOutput, error) {
		window, err := time.ParseDuration(in.Window)
		if err != nil || window < MinAnalyticsWindow || window > MaxAnalyticsWindow {
			return nil, NewProblem(http.StatusUnprocessableEntity, "window must be a duration between 1m and 24h").
				WithField("query.window", "expected a Go duration between 1m and 24h, like 15m or 6h")
		}
		var snap statsWindow
		if s.deps.Analytics != nil {
			if snap, err = s.sharedSnapshot(ctx, window); err != nil {
				return nil, s.Error(ctx, err)
			}
		} else {
			snap = s.metrics.analytics.snapshot(window)
		}
		report := AnalyticsReport{
			Window: in.Window, From: snap.from, To: snap.to, Routes: snap.routes,
		}
		if report.Routes == nil {
			report.Routes = []RouteAnalytics{}
		}
		if s.deps.WSConnections != nil {
			report.WebSocketConnections = s.deps.WSConnections()
		}
		if s.deps.RunsByStatus != nil {
			counts, err := s.deps.RunsByStatus(ctx)
			if err != nil {
				return nil, s.Error(ctx, err)
			}
			report.RunsByStatus = RunStatusCounts{
				Queued: counts[agents.RunQueued], Running: counts[agents.RunRunning],
				Succeeded: counts[agents.RunSucceeded], Failed: counts[agents.RunFailed],
				Cancelled: counts[agents.RunCancelled],
			}
		}
		report.RunsByHour = []RunsHour{}
		if s.deps.RunsByHour != nil {
			hours, err := s.deps.RunsByHour(ctx, snap.to.Add(-window).Truncate(time.Hour))
			if err != nil {
				return nil, s.Error(ctx, err)
			}
			if hours != nil {
				report.RunsByHour = hours
			}
		}
		report.TokensByCampaign = []CampaignTokens{}
		if s.deps.TokensByCampaign != nil {
			tokens, err := s.deps.TokensByCampaign(ctx)
			if err != nil {
				return nil, s.Error(ctx, err)
			}
			if tokens != nil {
				report.TokensByCampaign = tokens
			}
		}
		report.TokensByCampaignDay = []CampaignDayTokens{}
		if s.deps.TokensByCampaignDay != nil {
			days, err := s.deps.TokensByCampaignDay(ctx)
			if err != nil {
				return nil, s.Error(ctx, err)
			}
			if days != nil {
				report.TokensByCampaignDay = days
			}
		}
		return &analyticsOutput{Body: report}, nil
	})
}
