package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/wire"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/crewmetrics"
	"github.com/kpbot/kpbot/agents/llm/budget"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/llm/openai"
	"github.com/kpbot/kpbot/agents/research"
	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/agents/search/searxng"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/writer"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/report"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/transport/eventbus"
)

// CrewSet provides campaigns, the agent crew, its durable queue and the
// event log the runs write to.
var CrewSet = wire.NewSet(
	ProvideCampaignStores, ProvideCampaigns, ProvideCrewCampaigns, ProvideFetcher, ProvideLLM, ProvideSearcher,
	ProvideMembers, ProvideRunStore, ProvideRunner, ProvideQueue, ProvideEvents,
	ProvideRuns, ProvideTools, ProvideAgentList, ProvideRegistry, ProvideCrewMetrics,
)

// ProvideCampaignStores are the bun campaign, prospect and draft stores.
func ProvideCampaignStores(d *Database) campaign.Stores { return bunstore.NewCampaignStores(d.Bun) }

// ProvideCampaigns builds the campaign service users call; a review
// publishes comment.reviewed and notifies the campaign's owner
// (notify.ReviewNotifier).
func ProvideCampaigns(stores campaign.Stores, notes *notify.Service, logger *slog.Logger) (*campaign.Service, error) {
	reviews, err := notify.NewReviewNotifier(notes, logger)
	if err != nil {
		return nil, fmt.Errorf("campaigns: %w", err)
	}
	return campaign.NewService(campaign.Config{OnReviewed: reviews.Reviewed}, stores)
}

// ProvideCrewCampaigns builds the campaign service the crew writes through.
func ProvideCrewCampaigns(stores campaign.Stores) (*campaign.CrewService, error) {
	return campaign.NewCrewService(campaign.CrewConfig{}, stores)
}

// ProvideFetcher builds the crew's polite, SSRF-guarded web fetcher.
func ProvideFetcher(cfg Config) (*web.Fetcher, error) {
	delay := cfg.FetchDelay
	if delay == 0 {
		delay = web.NoDelay
	}
	f, err := web.NewFetcher(web.Config{AllowPrivate: cfg.FetchPrivate, PerHostDelay: delay})
	if err != nil {
		return nil, fmt.Errorf("web fetcher: %w", err)
	}
	return f, nil
}

// ProvideLLM is the offline writer unless an OpenAI-compatible server is
// configured; a daily per-campaign token budget, kept in the database so
// every instance shares it (and the analytics report reads it), wraps the
// latter.
func ProvideLLM(cfg Config, d *Database, logger *slog.Logger) (agents.LLM, error) {
	if cfg.LLMBaseURL == "" {
		llm, err := offline.New(offline.Config{})
		if err != nil {
			return nil, fmt.Errorf("offline writer: %w", err)
		}
		return llm, nil
	}
	client, err := openai.New(openai.Config{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("LLM client: %w", err)
	}
	// Usage is recorded per campaign and day even without a limit (0), for
	// the analytics report's tokens by campaign.
	spend := bunstore.NewLLMSpend(d.Bun, agents.BudgetLimits{DailyTokens: cfg.LLMDailyTokens}, nil)
	return budget.Wrap(client, spend, nil), nil
}

// ProvideSearcher is a SearXNG client when KPBOT_SEARXNG_URL is set, else nil.
func ProvideSearcher(cfg Config) (agents.Searcher, error) {
	if cfg.SearxngURL == "" {
		return nil, nil
	}
	s, err := searxng.New(searxng.Config{BaseURL: cfg.SearxngURL})
	if err != nil {
		return nil, fmt.Errorf("searxng: %w", err)
	}
	return s, nil
}

// ProvideMembers assembles the outreach crew's workers and its sink.
func ProvideMembers(cfg Config, f *web.Fetcher, llm agents.LLM, searcher agents.Searcher, campaigns *campaign.CrewService, cm *crewmetrics.Metrics, tr *Tracing) (agents.Members, error) {
	llm = tr.llm(cm.LLM(llm)) // kpbot_llm_* series; a span per call when tracing
	res, err := research.New(f, searcher, research.Config{})
	if err != nil {
		return agents.Members{}, fmt.Errorf("researcher: %w", err)
	}
	an, err := analyst.New(f, analyst.Config{})
	if err != nil {
		return agents.Members{}, fmt.Errorf("analyst: %w", err)
	}
	wr, err := writer.New(llm, writer.Config{})
	if err != nil {
		return agents.Members{}, fmt.Errorf("writer: %w", err)
	}
	model := offline.DefaultModel
	if cfg.LLMModel != "" {
		model = cfg.LLMModel
	}
	return agents.Members{
		Researcher: res, Analyst: an, Writer: wr, Sink: outreach.NewSink(campaigns),
		Model: model, DraftConcurrency: cfg.LLMConcurrency,
	}, nil
}

// Events is the event log, the bus that carries its notices between
// instances, and the publisher over both.
type Events struct {
	Log       *bunstore.Events
	Bus       events.Bus
	Publisher *events.Publisher
}

// ProvideEvents opens the event bus: LISTEN/NOTIFY on PostgreSQL, else
// in-process (one SQLite file means one machine). Redis, when configured,
// carries rate limits only: the event log lives in PostgreSQL, so no event
// can be published while PostgreSQL is down and LISTEN/NOTIFY adds no
// failure of its own, whereas a Redis bus would stall events between
// instances for as long as Redis is down.
func ProvideEvents(d *Database, logger *slog.Logger, rep report.Reporter) (*Events, func(), error) {
	log := bunstore.NewEvents(d.Bun)
	var bus events.Bus
	if d.Pool != nil {
		b, err := eventbus.NewPostgres(d.Pool, "kpbot_events", eventbus.WithLogger(logger), eventbus.WithReporter(rep))
		if err != nil {
			return nil, nil, fmt.Errorf("event bus: %w", err)
		}
		bus = b
	} else {
		bus = eventbus.NewLocal(eventbus.WithLogger(logger))
	}
	cleanup := func() {
		if err := bus.Close(); err != nil {
			logger.Error("close event bus", "err", err)
		}
	}
	pub, err := events.NewPublisher(log, bus)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return &Events{Log: log, Bus: bus, Publisher: pub}, cleanup, nil
}

// ProvideRunStore is the one run store the runner, the run use cases and
// the analytics share.
func ProvideRunStore(d *Database) *bunstore.Runs { return bunstore.NewRuns(d.Bun) }

// ProvideRunner builds the crew runner that executes runs and records
// their steps and events; finished runs notify their owner, whom the
// run events carry.
// Each execution leases its run for KPBOT_RUN_LEASE, so a run of a dead
// instance is taken over by another (see agents/riverjob).
func ProvideRunner(cfg Config, m agents.Members, runs *bunstore.Runs, ev *Events, notes *notify.Service, logger *slog.Logger, cm *crewmetrics.Metrics, tr *Tracing) (*agents.Runner, error) {
	crew, err := agents.OutreachCrew(m)
	if err != nil {
		return nil, fmt.Errorf("crew: %w", err)
	}
	crew = tr.crew(cm.Crew(crew)) // kpbot_crew_task_duration_seconds; a span per task when tracing
	published, err := outreach.NewRunEventPublisher(ev.Publisher)
	if err != nil {
		return nil, fmt.Errorf("run events: %w", err)
	}
	sink, err := notify.NewRunNotifier(published, notes)
	if err != nil {
		return nil, fmt.Errorf("run notifications: %w", err)
	}
	r, err := agents.NewRunner(crew, runs, cm.Sink(sink), agents.RunnerConfig{Lease: cfg.RunLease, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("runner: %w", err)
	}
	return r, nil
}

// ProvideQueue creates River's tables and its queue on the same database.
func ProvideQueue(ctx context.Context, cfg Config, d *Database, runner *agents.Runner, logger *slog.Logger, rep report.Reporter, tr *Tracing) (*riverjob.Queue, error) {
	qc := riverjob.Config{MaxRunsTotal: cfg.MaxRuns, MaxRunsPerUser: cfg.MaxRunsPerUser, Logger: logger, Reporter: rep,
		Middleware: tr.riverMiddleware()}
	if d.Pool != nil {
		if err := riverjob.MigratePostgres(ctx, d.Pool); err != nil {
			return nil, fmt.Errorf("job queue migrations: %w", err)
		}
		return riverjob.NewPostgres(d.Pool, runner, qc)
	}
	if err := riverjob.MigrateSQLite(ctx, d.Bun.DB); err != nil {
		return nil, fmt.Errorf("job queue migrations: %w", err)
	}
	return riverjob.NewSQLite(d.Bun.DB, runner, qc)
}

// ProvideRuns guards runs with the campaigns' access rules.
func ProvideRuns(campaigns *campaign.Service, runs *bunstore.Runs, q *riverjob.Queue) *outreach.Runs {
	return outreach.NewRuns(campaigns, runs, q)
}

// ProvideTools builds the synchronous agent calls of /api/agents.
func ProvideTools(m agents.Members) *outreach.Tools {
	return outreach.NewTools(m.Researcher, m.Analyst, m.Writer, 0) // 0: outreach.DefaultToolTimeout
}

// ProvideAgentList is the crew as GET /api/agents describes it: the
// outreach crew's own agents.
func ProvideAgentList(m agents.Members) ([]agents.Agent, error) {
	crew, err := agents.OutreachCrew(m)
	if err != nil {
		return nil, fmt.Errorf("crew: %w", err)
	}
	return crew.Agents(), nil
}
