package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humabunrouter"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/analytics"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/report"
)

// MetricsRegistry is where the server registers its metrics and what
// /metrics serves; *prometheus.Registry is one. It is an alias of an
// unnamed interface, so another adapter's interface can name the same
// method (Server.Registry) without importing this package.
type MetricsRegistry = interface {
	prometheus.Registerer
	prometheus.Gatherer
}

// Deps are the collaborators the server calls.
type Deps struct {
	// Auth is the accounts service behind /api/auth and /api/admin/users.
	Auth *auth.Service
	// Limiter counts the per-IP requests to register, login and refresh;
	// nil disables that limit.
	Limiter auth.RateLimiter
	// Ready reports whether the database and job queue answer; /readyz calls
	// it with a Config.ReadyTimeout deadline. Nil means always ready.
	Ready func(ctx context.Context) error
	// Metrics receives the HTTP metrics and is served at /metrics; nil
	// creates a fresh registry with the Go and process collectors.
	Metrics MetricsRegistry
	// Campaigns is the campaign service behind /api/campaigns and
	// /api/comments; nil leaves those routes out.
	Campaigns *campaign.Service
	// Runs starts, lists and cancels crew runs (/api/campaigns/{id}/runs,
	// /api/runs); nil leaves those routes out.
	Runs *outreach.Runs
	// AgentList is the crew GET /api/agents describes; Agents runs them
	// synchronously for POST /api/agents/research and /comment (nil: no
	// such routes).
	AgentList []agents.Agent
	Agents    *outreach.Tools
	// Notifications is the notifications service behind
	// /api/notifications; nil leaves those routes out.
	Notifications *notify.Service
	// Events serves GET /api/events; a nil Events.Log leaves it out.
	Events EventsDeps
	// Mounts are other adapters' routes (the WebSocket hub's GET /api/ws
	// is one), mounted by New after the server's own, in order. Every
	// route of the server is mounted in New, from Deps: nothing is
	// registered on a server after New returns (docs/architecture.md).
	Mounts []Mounter
	// WSConnections counts the open WebSocket connections for GET
	// /api/admin/analytics (realtime.Hub's Connections is one); nil
	// reports 0.
	WSConnections func() int
	// RunsByStatus counts every stored run by status for GET
	// /api/admin/analytics (bunstore's Runs.CountByStatus is one); nil
	// reports zeros.
	RunsByStatus func(ctx context.Context) (map[agents.RunStatus]int, error)
	// TokensByCampaign reports today's model usage by campaign for GET
	// /api/admin/analytics; nil reports none.
	TokensByCampaign func(ctx context.Context) ([]CampaignTokens, error)
	// Analytics is where every instance keeps its minute rollups, so GET
	// /api/admin/analytics answers for all instances and survives
	// restarts (bunstore.Rollups is one; run Server.RunAnalytics). Nil:
	// the report covers this instance only, from memory.
	Analytics analytics.Store
	// RunsByHour counts the runs created since a time by UTC hour and
	// status for GET /api/admin/analytics; nil reports none.
	RunsByHour func(ctx context.Context, since time.Time) ([]RunsHour, error)
	// TokensByCampaignDay reports model usage by day and campaign for GET
	// /api/admin/analytics; nil reports none.
	TokensByCampaignDay func(ctx context.Context) ([]CampaignDayTokens, error)
	// Reporter receives every 500 and recovered panic with its error id,
	// request id, route and user id; nil reports to Config.Logger
	// (report.NewLog).
	Reporter report.Reporter
	// Web serves the GET and HEAD requests outside /api/ that no route
	// matches: the web app, its assets and the API reference at /docs
	// (webapp.Handler is one). Nil: those are JSON 404s and /docs is
	// huma's page, which loads its renderer from a CDN.
	Web http.Handler
}

// Server is kpbot's HTTP handler: a bunrouter router with a huma API and
// the shared middleware around both.
type Server struct {
	cfg      Config
	deps     Deps
	log      *slog.Logger
	router   *bunrouter.Router
	api      huma.API
	handler  http.Handler
	metrics  *httpMetrics
	registry MetricsRegistry
	cors     corsPolicy
	proxies  []netip.Prefix
	mappers  []ErrorMapper
	reporter report.Reporter
	healthOK *healthOutput // the /healthz answer, read-only, shared by every request
	panics   panicSites
	instance string       // this server's rows in Deps.Analytics
	traced   http.Handler // serve inside an otelhttp span; nil without Config.TracerProvider
	flushMu  sync.Mutex   // one analytics flush at a time

	// drainCtx ends, with cause ErrDraining, when Drain is called.
	drainCtx    context.Context
	drainCancel context.CancelCauseFunc
}

var _ http.Handler = (*Server)(nil)

// New builds the server and mounts every route: the auth, admin and
// operational routes, each optional group whose Deps field is set
// (campaigns and comments, runs, agents, notifications, events), then
// Deps.Mounts.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Auth == nil {
		return nil, errors.New("httpapi: Deps.Auth is required")
	}
	if deps.Events.Log != nil && deps.Events.Rights == nil {
		return nil, errors.New("httpapi: Deps.Events.Rights is required with Deps.Events.Log")
	}
	for i, m := range deps.Mounts {
		if m == nil {
			return nil, fmt.Errorf("httpapi: Deps.Mounts[%d] is nil", i)
		}
	}
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, deps: deps, log: cfg.Logger, proxies: cfg.TrustedProxies, instance: newInstanceID()}
	s.cors = newCORSPolicy(cfg.CORSOrigins)
	s.healthOK = &healthOutput{Body: HealthResponse{Status: "ok"}}
	s.reporter = deps.Reporter
	if s.reporter == nil {
		s.reporter = report.NewLog(s.log)
	}
	s.drainCtx, s.drainCancel = context.WithCancelCause(context.Background())

	s.registry = deps.Metrics
	if s.registry == nil {
		s.registry = newDefaultRegistry()
	}
	m, err := newHTTPMetrics(s.registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m

	s.router = bunrouter.New(
		bunrouter.Use(s.routeMiddleware),
		bunrouter.WithNotFoundHandler(s.notFound),
		bunrouter.WithMethodNotAllowedHandler(s.methodNotAllowed),
	)
	s.api = humabunrouter.New(s.router, s.humaConfig())
	s.api.UseMiddleware(s.recoverHuma, s.authenticateHuma)
	documentProblem(s.api)
	documentEvents(s.api)

	s.registerOps()
	s.registerAuth()
	s.registerAdmin()
	s.registerAccount()
	s.registerDeletion()
	s.registerAnalytics()
	if deps.Campaigns != nil {
		s.registerCampaigns()
	}
	if deps.Runs != nil {
		s.registerRuns()
	}
	if deps.AgentList != nil || deps.Agents != nil {
		s.registerAgents()
	}
	if deps.Notifications != nil {
		s.registerNotifications()
	}
	if deps.Events.Log != nil {
		s.registerEvents()
	}
	for _, m := range deps.Mounts {
		if err := m.Mount(s); err != nil {
			return nil, fmt.Errorf("httpapi: mount: %w", err)
		}
	}

	if cfg.TracerProvider != nil {
		s.traced = newTracedHandler(cfg.TracerProvider, s.serve)
	}
	s.handler = s.securityHeaders(s.corsMiddleware(s.checkTarget(s.bodyLimit(s.refuseNUL(s.router)))))
	return s, nil
}

func (s *Server) humaConfig() huma.Config {
	hc := huma.DefaultConfig(s.cfg.Title, s.cfg.Version)
	// No schema-link transformer: responses carry exactly their documented
	// fields, no "$schema" and no Link header.
	hc.CreateHooks = nil
	if s.deps.Web != nil {
		hc.DocsPath = "" // Deps.Web serves /docs from built-in assets
	}
	hc.Transformers = []huma.Transformer{s.transformErrors}
	hc.Info.Description = "kpbot: accounts, campaigns and the agent crew. " +
		"Errors are RFC 9457 problem documents (application/problem+json). " +
		"Request bodies are JSON only (other content types: 415) and at most " +
		formatBytes(s.cfg.MaxBodyBytes) + " (413 beyond). Rate limits answer 429 with Retry-After. " +
		"A path or query holding control characters or invalid UTF-8 once decoded, or a body that cannot be read " +
		"(malformed chunked encoding), is 400; a JSON string holding NUL is 422."
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securitySchemeBearer: {
			Type:         "http",
			Scheme:       "bearer",
			BearerFormat: "JWT",
			Description:  "An access token from login, register or refresh, sent as `Authorization: Bearer <jwt>`.",
		},
	}
	documentAPI(&hc)
	hc.OnAddOperation = append(hc.OnAddOperation, s.onAddOperation, s.documentOperation)
	return hc
}

// onAddOperation caps every operation's body at Config.MaxBodyBytes and
// documents the errors every operation can answer.
func (s *Server) onAddOperation(_ *huma.OpenAPI, op *huma.Operation) {
	if op.MaxBodyBytes == 0 || op.MaxBodyBytes > s.cfg.MaxBodyBytes {
		op.MaxBodyBytes = s.cfg.MaxBodyBytes
	}
}

// ServeHTTP handles one request: request id, client IP, access log,
// metrics and panic recovery around the rest of the middleware and the
// router.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.traced != nil {
		s.traced.ServeHTTP(w, r)
		return
	}
	s.serve(w, r)
}

// serve handles one request: ServeHTTP without the tracing span.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	defer handlerOnConn(r)()
	start := time.Now()
	s.metrics.inFlight.Inc()
	defer s.metrics.inFlight.Dec()
	st := &requestState{id: requestID(r), clientIP: s.clientIP(r), userAgent: r.UserAgent()}
	st.rec.ResponseWriter = w
	rec := &st.rec
	st.setHeader(rec.Header(), headerRequestID, st.id)
	r = r.WithContext(withState(r.Context(), st))
	defer s.observe(r, rec, st, start)
	defer s.recoverHTTP(rec, r)
	s.handler.ServeHTTP(rec, r)
}

// Mounter adds another adapter's routes to the server; the WebSocket hub
// is one (wrapped in a MountFunc). New calls Mount once, with the server
// built, before anything is served.
type Mounter interface {
	Mount(s *Server) error
}

// MountFunc adapts a function to Mounter.
type MountFunc func(s *Server) error

// Mount calls f(s).
func (f MountFunc) Mount(s *Server) error { return f(s) }

// Problem returns the RFC 9457 problem of status with detail, as an error
// a plain handler on Router may return; it is how other adapters' routes
// answer errors in the server's shape.
func (s *Server) Problem(status int, detail string) error { return NewProblem(status, detail) }

// Router returns the bunrouter router, for plain handlers such as a
// WebSocket upgrade. Routes added to it get the shared middleware.
func (s *Server) Router() *bunrouter.Router { return s.router }

// API returns the huma API, for more documented operations.
func (s *Server) API() huma.API { return s.api }

// Registry returns the metrics registry served at /metrics, for other
// adapters' metrics.
func (s *Server) Registry() MetricsRegistry { return s.registry }

// Logger returns the server's logger.
func (s *Server) Logger() *slog.Logger { return s.log }

// routeMiddleware runs inside the router for every route: it records the
// matched pattern and turns an error from a plain bunrouter handler into
// a problem response.
func (s *Server) routeMiddleware(next bunrouter.HandlerFunc) bunrouter.HandlerFunc {
	return func(w http.ResponseWriter, req bunrouter.Request) error {
		stateFrom(req.Context()).route = req.Route()
		if s.traced != nil {
			nameSpan(req.Context(), req.Method, req.Route())
		}
		err := next(w, req)
		if err == nil {
			return nil
		}
		if rec, ok := w.(*recorder); ok && rec.wroteHeader() {
			s.log.WarnContext(req.Context(), "handler error after response started",
				"request_id", RequestIDFrom(req.Context()), "error", err.Error())
			return nil
		}
		s.Error(req.Context(), err).write(w)
		return nil
	}
}
