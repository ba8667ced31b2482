package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/wire"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authbus"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/report"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/postgres"
	"github.com/kpbot/kpbot/storage/sqlite"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/ratelimit"
	"github.com/kpbot/kpbot/transport/realtime"
	"github.com/kpbot/kpbot/transport/webapp"
	"github.com/kpbot/kpbot/web"
)

// Database is the open, migrated database: bun on SQLite or PostgreSQL,
// and on PostgreSQL the pgx pool underneath it.
type Database struct {
	Bun  *bun.DB
	Pool *pgxpool.Pool // nil on SQLite
}

// StorageSet opens the database and provides the bun repositories.
var StorageSet = wire.NewSet(
	ProvideDatabase, ProvideBunIDB,
	bunstore.NewUsers, wire.Bind(new(auth.UserStore), new(*bunstore.Users)),
	ProvideSessions, wire.Bind(new(auth.SessionStore), new(*bunstore.Sessions)),
)

// AuthSet provides the accounts service and its adapters.
var AuthSet = wire.NewSet(
	ProvideSecret, ProvideTokenCodec, wire.Bind(new(auth.TokenCodec), new(*jwt.Codec)),
	ProvideHasher, wire.Bind(new(auth.PasswordHasher), new(*password.Hasher)),
	ProvideRedis, ProvideRateLimiter, ProvideAuthConfig, ProvideAuthStores, auth.NewService,
)

// TransportSet provides the HTTP server.
var TransportSet = wire.NewSet(ProvideHTTP, ProvideReporter, ProvideTracing)

// ProvideDatabase opens the database named by cfg.DatabaseURL and applies
// the migrations; with tracing on, each later query is a span.
func ProvideDatabase(ctx context.Context, cfg Config, logger *slog.Logger, tr *Tracing) (*Database, func(), error) {
	pool := storage.PoolConfig{
		MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns, ConnMaxLifetime: cfg.DBConnLifetime,
	}
	var d Database
	if cfg.IsPostgres() {
		pg, err := postgres.Open(ctx, cfg.DatabaseURL, pool)
		if err != nil {
			return nil, nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		d = Database{Bun: pg.Bun, Pool: pg.Pool}
	} else {
		db, err := sqlite.Open(ctx, cfg.DatabaseURL, pool)
		if err != nil {
			return nil, nil, fmt.Errorf("open SQLite: %w", err)
		}
		d = Database{Bun: db}
	}
	cleanup := func() {
		if err := d.Bun.Close(); err != nil {
			logger.Error("close database", "err", err)
		}
		if d.Pool != nil {
			d.Pool.Close()
		}
	}
	if err := bunstore.Migrate(ctx, d.Bun, bunstore.WithMigrateLogger(logger)); err != nil {
		cleanup()
		return nil, nil, fmt.Errorf("migrate: %w", err)
	}
	if tr.on() {
		d.Bun = d.Bun.WithQueryHook(tr.queryHook())
	}
	return &d, cleanup, nil
}

// ready reports whether the database and the job queue's tables answer.
func (d *Database) ready(ctx context.Context) error {
	if err := d.Bun.PingContext(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	var n int
	if err := d.Bun.NewSelect().TableExpr("river_queue").ColumnExpr("count(*)").Scan(ctx, &n); err != nil {
		return fmt.Errorf("job queue: %w", err)
	}
	return nil
}

// ProvideSessions is the session store, with the prepared lookup on SQLite.
func ProvideSessions(db bun.IDB) *bunstore.Sessions { return bunstore.NewSessions(db) }

// ProvideBunIDB hands the repositories the database handle.
func ProvideBunIDB(d *Database) bun.IDB { return d.Bun }

// Secret is the server's key material: KPBOT_JWT_SECRET, or a
// development key generated once and kept beside the SQLite file. The JWT
// codec signs with it; every other key is derived from it (see
// ProvideMailKeys), never the raw secret reused.
type Secret []byte

// ProvideSecret reads KPBOT_JWT_SECRET or loads (creating it when needed)
// the development key.
func ProvideSecret(cfg Config, logger *slog.Logger) (Secret, error) {
	if cfg.JWTSecret != "" {
		return Secret(cfg.JWTSecret), nil
	}
	path := devKeyPath(cfg.DatabaseURL)
	k, created, err := loadOrCreateDevKey(path)
	if err != nil {
		return nil, err
	}
	logger.Warn("KPBOT_JWT_SECRET is not set: using a development key kept in a file; set a secret of at least 32 bytes in production, and the same one on every instance",
		"key_file", path, "created", created)
	return Secret(k), nil
}

// ProvideTokenCodec builds the JWT codec from the server's secret.
func ProvideTokenCodec(cfg Config, secret Secret) (*jwt.Codec, error) {
	c, err := jwt.New(jwt.Config{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, HS256Key: secret})
	if err != nil {
		return nil, fmt.Errorf("token codec: %w", err)
	}
	return c, nil
}

// ProvideHasher builds the bcrypt hasher at the configured cost.
func ProvideHasher(cfg Config) (*password.Hasher, error) {
	h, err := password.New(password.Config{Cost: cfg.BcryptCost, MaxConcurrent: cfg.BcryptParallel})
	if err != nil {
		return nil, fmt.Errorf("password hasher: %w", err)
	}
	return h, nil
}

// Redis is the optional shared Redis client (KPBOT_REDIS_URL); Client is
// nil when none is configured.
type Redis struct{ Client *redis.Client }

// ProvideRedis makes the client of KPBOT_REDIS_URL when it is set. It does
// not contact Redis: the server starts while Redis is down, and go-redis
// connects (and reconnects after an outage) on use. Commands honour their
// context's deadline, so the rate limiter's call timeout bounds them.
func ProvideRedis(cfg Config) (*Redis, func(), error) {
	if cfg.RedisURL == "" {
		return &Redis{}, func() {}, nil
	}
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("KPBOT_REDIS_URL: %w", err)
	}
	opts.ContextTimeoutEnabled = true
	// One dial per command attempt (go-redis's default is five, 100 ms
	// apart): a refused connection then costs milliseconds, and the rate
	// limiter's fallback takes over at once.
	opts.DialerRetries = 1
	client := redis.NewClient(opts)
	return &Redis{Client: client}, func() { _ = client.Close() }, nil
}

// RouteRedisLogs sends go-redis's own messages (it prints one for each
// failed dial while Redis is down) to logger at debug level: the rate
// limiter reports an outage once, at warn. go-redis keeps one logger per
// process, so main calls this once, before Build.
func RouteRedisLogs(logger *slog.Logger) { redis.SetLogger(redisLog{logger}) }

type redisLog struct{ l *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.l.DebugContext(ctx, "redis client: "+fmt.Sprintf(format, v...))
}

// ProvideRateLimiter shares limits through Redis when KPBOT_REDIS_URL is
// set and keeps them in memory otherwise. While Redis is unreachable the
// limits fall back as KPBOT_REDIS_FAIL_MODE says: to this instance's
// memory, or to 503 answers (README.md, "Running on PostgreSQL (and
// Redis)").
func ProvideRateLimiter(cfg Config, r *Redis, logger *slog.Logger) auth.RateLimiter {
	if r.Client == nil {
		return ratelimit.NewMemory()
	}
	mode := ratelimit.FailMemory
	if cfg.RedisFailMode == string(ratelimit.FailClosed) {
		mode = ratelimit.FailClosed
	}
	return ratelimit.NewFallback(ratelimit.NewRedis(r.Client), mode, ratelimit.WithFallbackLogger(logger))
}

// ProvideAuthStores gathers the stores of the auth service.
func ProvideAuthStores(users auth.UserStore, sessions auth.SessionStore, tokens auth.AccountTokenStore,
	eraser auth.AccountEraser, emails auth.EmailChanger) auth.Stores {
	return auth.Stores{Users: users, Sessions: sessions, AccountTokens: tokens, Eraser: eraser, EmailChanger: emails}
}

// ProvideAuthConfig maps the server configuration onto the auth service's;
// session-cache revocations travel on the event bus.
func ProvideAuthConfig(cfg Config, ev *Events, box auth.Mailbox, notes auth.Notices, runs auth.RunCanceller) (auth.Config, error) {
	rev, err := authbus.New(ev.Bus)
	if err != nil {
		return auth.Config{}, fmt.Errorf("auth revocations: %w", err)
	}
	return auth.Config{
		Runs:                 runs,
		Mailbox:              box,
		Notices:              notes,
		RequireVerifiedEmail: cfg.RequireVerifiedEmail,
		InviteOnly:           cfg.Registration == "invite",
		SessionCacheTTL:      cfg.SessionCacheTTL,
		Revocations:          rev,
		AccessTTL:            cfg.AccessTTL,
		SessionIdleTimeout:   cfg.SessionIdle,
		SessionMaxLifetime:   cfg.SessionLifetime,
		RefreshReuseGrace:    cfg.RefreshGrace,
		LoginMaxFailures:     cfg.LoginMaxFails,
	}, nil
}

// ProvideHTTP builds the HTTP server with every route, and the embedded
// web app (web/dist) at / and /docs.
func ProvideHTTP(cfg Config, logger *slog.Logger, rep report.Reporter, svc *auth.Service, limiter auth.RateLimiter, db *Database,
	campaigns *campaign.Service, runs *outreach.Runs, runStore *bunstore.Runs, tools *outreach.Tools, agentList []agents.Agent,
	reg *prometheus.Registry, tr *Tracing, ev *Events, notes *notify.Service, rights *notify.TopicRights, hub *realtime.Hub) (*httpapi.Server, error) {
	webApp, err := webapp.New(web.Dist())
	if err != nil {
		return nil, fmt.Errorf("web app: %w", err)
	}
	rateLimit := cfg.AuthRateLimit
	if rateLimit == 0 {
		rateLimit = -1 // 0 in our config means "off"; httpapi reads 0 as its default
	}
	return httpapi.New(httpapi.Config{
		CORSOrigins:    cfg.CORSOrigins,
		TrustedProxies: cfg.TrustedProxies,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		AuthRateLimit:  rateLimit,
		Title:          "kpbot API",
		Version:        "1.0.0",
		Logger:         logger,
		TracerProvider: tr.Provider,
	}, httpapi.Deps{
		Auth:      svc,
		Metrics:   reg, // shared with the crew's series
		Reporter:  rep,
		Limiter:   limiter,
		Ready:     db.ready,
		Campaigns: campaigns,
		Runs:      runs,
		Agents:    tools,
		AgentList: agentList,
		// The caller's notifications, GET /api/events (woken by the hub)
		// and the hub's GET /api/ws: every route is mounted here.
		Notifications: notes,
		Events:        httpapi.EventsDeps{Log: ev.Log, Rights: rights, Waiter: hub},
		Mounts:        []httpapi.Mounter{httpapi.MountFunc(func(s *httpapi.Server) error { return hub.Mount(s) })},
		WSConnections: hub.Connections,
		// Every instance reads the shared runs table.
		RunsByStatus: runStore.CountByStatus,
		// The dashboard at /, the API reference at /docs (web/dist).
		Web:                 webApp,
		TokensByCampaign:    tokensByCampaign(bunstore.NewLLMSpend(db.Bun, agents.BudgetLimits{}, nil)),
		TokensByCampaignDay: tokensByCampaignDay(bunstore.NewLLMSpend(db.Bun, agents.BudgetLimits{}, nil)),
		// Every instance's minute rollups, merged on read (see App.Serve).
		Analytics:  bunstore.NewRollups(db.Bun),
		RunsByHour: runsByHour(runStore),
	})
}

// tokensByCampaignDay reads the last week's model usage for the analytics report.
func tokensByCampaignDay(spend *bunstore.LLMSpend) func(context.Context) ([]httpapi.CampaignDayTokens, error) {
	return func(ctx context.Context) ([]httpapi.CampaignDayTokens, error) {
		rows, err := spend.ByDay(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]httpapi.CampaignDayTokens, len(rows))
		for i, r := range rows {
			out[i] = httpapi.CampaignDayTokens{Day: r.Day, CampaignTokens: httpapi.CampaignTokens{
				CampaignID: r.Key, Name: r.Name, Tokens: r.Tokens, CostUSD: r.CostUSD}}
		}
		return out, nil
	}
}

// runsByHour reads the runs created per hour for the analytics report.
func runsByHour(runs *bunstore.Runs) func(context.Context, time.Time) ([]httpapi.RunsHour, error) {
	return func(ctx context.Context, since time.Time) ([]httpapi.RunsHour, error) {
		rows, err := runs.CountByHour(ctx, since)
		if err != nil {
			return nil, err
		}
		var out []httpapi.RunsHour
		for _, r := range rows {
			if len(out) == 0 || !out[len(out)-1].Hour.Equal(r.Hour) {
				out = append(out, httpapi.RunsHour{Hour: r.Hour})
			}
			c := &out[len(out)-1].RunStatusCounts
			switch r.Status {
			case agents.RunQueued:
				c.Queued += r.N
			case agents.RunRunning:
				c.Running += r.N
			case agents.RunSucceeded:
				c.Succeeded += r.N
			case agents.RunFailed:
				c.Failed += r.N
			case agents.RunCancelled:
				c.Cancelled += r.N
			}
		}
		return out, nil
	}
}

// tokensByCampaign reads today's model usage for the analytics report.
func tokensByCampaign(spend *bunstore.LLMSpend) func(context.Context) ([]httpapi.CampaignTokens, error) {
	return func(ctx context.Context) ([]httpapi.CampaignTokens, error) {
		rows, err := spend.Today(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]httpapi.CampaignTokens, len(rows))
		for i, r := range rows {
			out[i] = httpapi.CampaignTokens{CampaignID: r.Key, Name: r.Name, Tokens: r.Tokens, CostUSD: r.CostUSD}
		}
		return out, nil
	}
}
