package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humabunrouter"
)

// HealthResponse is the body of /healthz and of a ready /readyz.
type HealthResponse struct {
	Status string `json:"status" enum:"ok"`
}

type healthOutput struct{ Body HealthResponse }

type metricsOutput struct {
	Body func(huma.Context)
}

func (s *Server) registerOps() {
	tags := []string{"operations"}
	huma.Register(s.api, huma.Operation{
		OperationID: "healthz", Method: http.MethodGet, Path: "/healthz", Tags: tags,
		Summary: "Liveness: 200 while the process serves requests",
	}, func(context.Context, *noInput) (*healthOutput, error) {
		return s.healthOK, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "readyz", Method: http.MethodGet, Path: "/readyz", Tags: tags,
		Summary: "Readiness: 200 when the database and job queue answer, else 503",
		Errors:  []int{http.StatusServiceUnavailable},
	}, func(ctx context.Context, _ *noInput) (*healthOutput, error) {
		if s.deps.Ready != nil {
			rctx, cancel := context.WithTimeout(ctx, s.cfg.ReadyTimeout)
			defer cancel()
			if err := s.deps.Ready(rctx); err != nil {
				s.log.WarnContext(ctx, "not ready", "request_id", RequestIDFrom(ctx), "error", err.Error())
				return nil, NewProblem(http.StatusServiceUnavailable, "not ready")
			}
		}
		return &healthOutput{Body: HealthResponse{Status: "ok"}}, nil
	})

	metrics := s.metricsHandler()
	huma.Register(s.api, huma.Operation{
		OperationID: "metrics", Method: http.MethodGet, Path: "/metrics", Tags: tags,
		Summary: "Prometheus metrics in the text exposition format",
		Responses: map[string]*huma.Response{"200": {
			Description: "Prometheus text format",
			Content:     map[string]*huma.MediaType{"text/plain": {Schema: &huma.Schema{Type: "string"}}},
		}},
	}, func(context.Context, *noInput) (*metricsOutput, error) {
		return &metricsOutput{Body: func(hctx huma.Context) {
			r, w := humabunrouter.Unwrap(hctx)
			metrics.ServeHTTP(w, r.Request)
		}}, nil
	})
}
