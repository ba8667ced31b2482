package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage"
)

// RunResponse is a crew run of a campaign.
type RunResponse struct {
	ID         string          `json:"id"`
	CampaignID string          `json:"campaign_id"`
	Status     string          `json:"status" enum:"queued,running,succeeded,failed,cancelled"`
	Progress   float64         `json:"progress" minimum:"0" maximum:"1"`
	Steps      []RunStep       `json:"steps" nullable:"false"`
	Stats      agents.Stats    `json:"stats"`
	Usage      agents.RunUsage `json:"usage"`
	Error      string          `json:"error,omitempty"`
	Attempts   int             `json:"attempts" doc:"How many times execution started (more than 1 after a crash or restart)."`
	CreatedAt  time.Time       `json:"created_at"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
}

// RunStep is one task of a run.
type RunStep struct {
	Name       string         `json:"name" doc:"research, analysis or drafting."`
	Agent      string         `json:"agent,omitempty"`
	Status     string         `json:"status"`
	StartedAt  *time.Time     `json:"started_at,omitempty"`
	FinishedAt *time.Time     `json:"finished_at,omitempty"`
	Error      string         `json:"error,omitempty"`
	Stats      map[string]int `json:"stats,omitempty"`
}

// RunList is a page of runs, newest first.
type RunList struct {
	Items      []RunResponse `json:"items" nullable:"false"`
	NextCursor string        `json:"next_cursor"`
}

func runResponse(r *agents.Run) RunResponse {
	steps := make([]RunStep, 0, len(r.Steps))
	for _, s := range r.Steps {
		steps = append(steps, RunStep{
			Name: s.Name, Agent: s.Agent, Status: string(s.Status),
			StartedAt: utcPtr(s.StartedAt), FinishedAt: utcPtr(s.FinishedAt), Error: s.Error, Stats: s.Stats,
		})
	}
	return RunResponse{
		ID: r.ID, CampaignID: r.CampaignID, Status: string(r.Status), Progress: r.Progress,
		Steps: steps, Stats: r.Stats, Usage: r.Usage, Error: r.Error, Attempts: r.Attempts,
		CreatedAt: r.CreatedAt.UTC(), StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
	}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

type runIDInput struct {
	ID string `path:"id" maxLength:"64" doc:"Run id."`
}

type listRunsInput struct {
	ID     string `path:"id" maxLength:"64" doc:"Campaign id."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page."`
}

type runOutput struct{ Body RunResponse }
type runListOutput struct{ Body RunList }

// registerRuns registers the run routes over Deps.Runs.
func (s *Server) registerRuns() {
	runs := s.deps.Runs
	tags := []string{"runs"}
	huma.Register(s.api, huma.Operation{
		OperationID: "start-run", Method: http.MethodPost, Path: "/api/campaigns/{id}/runs", Tags: tags,
		Summary: "Start a run of the crew",
		Description: "Queues a durable run of the campaign: research, then comment drafting. " +
			"It survives restarts; follow it with GET /api/runs/{id} or the run:<id> WebSocket topic. " +
			"Too many active runs for the caller is 429 with Retry-After; an archived campaign is 409. " +
			"When the server requires verified addresses (KPBOT_REQUIRE_VERIFIED_EMAIL), a caller whose address is not verified is 403.",
		DefaultStatus: http.StatusAccepted,
		Security:      BearerSecurity(),
		Metadata:      campaignsMeta(),
		Errors:        []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusTooManyRequests},
	}, func(ctx context.Context, in *campaignIDInput) (*runOutput, error) {
		if err := s.deps.Auth.CanStartRuns(mustPrincipal(ctx)); err != nil {
			return nil, s.Error(ctx, err)
		}
		r, err := runs.Start(ctx, mustPrincipal(ctx), in.ID)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &runOutput{Body: runResponse(r)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "list-runs", Method: http.MethodGet, Path: "/api/campaigns/{id}/runs", Tags: tags,
		Summary:  "List a campaign's runs",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors:   []int{http.StatusUnauthorized, http.StatusNotFound},
	}, func(ctx context.Context, in *listRunsInput) (*runListOutput, error) {
		page, err := runs.List(ctx, mustPrincipal(ctx), in.ID, storage.ListParams{Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		out := RunList{Items: make([]RunResponse, 0, len(page.Items)), NextCursor: page.NextCursor}
		for i := range page.Items {
			out.Items = append(out.Items, runResponse(&page.Items[i]))
		}
		return &runListOutput{Body: out}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "get-run", Method: http.MethodGet, Path: "/api/runs/{id}", Tags: tags,
		Summary:  "Get a run",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors:   []int{http.StatusUnauthorized, http.StatusNotFound},
	}, func(ctx context.Context, in *runIDInput) (*runOutput, error) {
		r, err := runs.Get(ctx, mustPrincipal(ctx), in.ID)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &runOutput{Body: runResponse(r)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "cancel-run", Method: http.MethodPost, Path: "/api/runs/{id}/cancel", Tags: tags,
		Summary:       "Cancel a run",
		Description:   "Marks an active run cancelled at once; its execution, on any instance, stops within a second. A finished run is 409.",
		DefaultStatus: http.StatusAccepted,
		Security:      BearerSecurity(),
		Metadata:      campaignsMeta(),
		Errors:        []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
	}, func(ctx context.Context, in *runIDInput) (*runOutput, error) {
		r, err := runs.Cancel(ctx, mustPrincipal(ctx), in.ID)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &runOutput{Body: runResponse(r)}, nil
	})
}
