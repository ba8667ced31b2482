package app

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/otel/trace"
)

// Config is everything the example server reads from flags and KPBOT_*
// environment variables; a flag wins over its variable.
type Config struct {
	Addr            string
	DatabaseURL     string
	DBMaxOpenConns  int
	DBMaxIdleConns  int
	DBConnLifetime  time.Duration
	JWTSecret       string
	JWTIssuer       string
	JWTAudience     string
	AccessTTL       time.Duration
	SessionIdle     time.Duration
	SessionLifetime time.Duration
	RefreshGrace    time.Duration
	SessionCacheTTL time.Duration
	BcryptCost      int
	BcryptParallel  int
	AdminEmail      string
	AdminPassword   string
	CORSOrigins     []string
	TrustedProxies  []netip.Prefix
	AuthRateLimit   int
	LoginMaxFails   int
	MaxBodyBytes    int64
	RedisURL        string
	RedisFailMode   string
	FetchPrivate    bool
	LLMBaseURL      string
	LLMAPIKey       string
	LLMModel        string
	LLMDailyTokens  int
	LLMConcurrency  int
	SearxngURL      string
	FetchDelay      time.Duration
	MaxRuns         int
	MaxRunsPerUser  int
	RunLease        time.Duration
	LogLevel        string
	ShutdownTimeout time.Duration
	ReadTimeout     time.Duration
	EventMaxAge     time.Duration
	EventKeep       int
	// SMTPURL, MailFrom and PublicURL configure account e-mails.
	SMTPURL   string
	MailFrom  string
	PublicURL string
	// RequireVerifiedEmail keeps unverified users from starting runs.
	RequireVerifiedEmail bool
	// Registration is open (self-service sign-up) or invite.
	Registration string
	SentryDSN    string // error reports also go to this Sentry/GlitchTip project
	Environment  string // names the deployment in error reports
	// Tracing is on when an OTLP endpoint is set in the standard
	// OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
	// (and OTEL_SDK_DISABLED is not true); see ProvideTracing.
	Tracing bool
	// TracerProvider, when set (by a test or an embedding program), is
	// used instead of the OTLP exporter, whatever Tracing says.
	TracerProvider trace.TracerProvider
}

// envFlags binds flags whose defaults come from the environment, collecting
// every malformed variable so they are reported together.
type envFlags struct {
	fs     *flag.FlagSet
	getenv func(string) string
	errs   []error
}

func (e *envFlags) str(p *string, name, env, def, usage string) {
	*p = def
	if v := e.getenv(env); v != "" {
		*p = v
	}
	e.fs.StringVar(p, name, *p, usage+" ("+env+")")
}

func (e *envFlags) integer(p *int, name, env string, def int, usage string) {
	*p = def
	if v := e.getenv(env); v != "" {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s: %q is not an integer", env, v))
		}
		*p = n
	}
	e.fs.IntVar(p, name, *p, usage+" ("+env+")")
}

func (e *envFlags) duration(p *time.Duration, name, env string, def time.Duration, usage string) {
	*p = def
	if v := e.getenv(env); v != "" {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s: %q is not a duration like 30s or 15m", env, v))
		}
		*p = d
	}
	e.fs.DurationVar(p, name, *p, usage+" ("+env+")")
}

func (e *envFlags) boolean(p *bool, name, env string, def bool, usage string) {
	*p = def
	if v := e.getenv(env); v != "" {
		b, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			e.errs = append(e.errs, fmt.Errorf("%s: %q is not true or false", env, v))
		}
		*p = b
	}
	e.fs.BoolVar(p, name, *p, usage+" ("+env+")")
}

// LoadConfig reads the configuration from args (without the program name)
// and getenv, and validates it.
func LoadConfig(args []string, getenv func(string) string) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("kpbot", flag.ContinueOnError)
	e := &envFlags{fs: fs, getenv: getenv}
	var cors, proxies string
	var maxBody int
	e.str(&c.Addr, "addr", "KPBOT_ADDR", ":8080", "listen address")
	e.str(&c.DatabaseURL, "database-url", "KPBOT_DATABASE_URL", "file:kpbot.db", "file:kpbot.db (SQLite) or postgres://...")
	e.integer(&c.DBMaxOpenConns, "db-max-open-conns", "KPBOT_DB_MAX_OPEN_CONNS", 0, "database pool size (0: driver default)")
	e.integer(&c.DBMaxIdleConns, "db-max-idle-conns", "KPBOT_DB_MAX_IDLE_CONNS", 0, "idle connections kept (0: default)")
	e.duration(&c.DBConnLifetime, "db-conn-max-lifetime", "KPBOT_DB_CONN_MAX_LIFETIME", 0, "recycle connections after this long (0: default)")
	e.str(&c.JWTSecret, "jwt-secret", "KPBOT_JWT_SECRET", "", "HS256 key, at least 32 bytes; unset: generated and kept beside the SQLite file")
	e.str(&c.JWTIssuer, "jwt-issuer", "KPBOT_JWT_ISSUER", "kpbot", "access token issuer")
	e.str(&c.JWTAudience, "jwt-audience", "KPBOT_JWT_AUDIENCE", "kpbot-api", "access token audience")
	e.duration(&c.AccessTTL, "access-ttl", "KPBOT_ACCESS_TTL", 15*time.Minute, "access token lifetime")
	e.duration(&c.SessionIdle, "session-idle-timeout", "KPBOT_SESSION_IDLE_TIMEOUT", 7*24*time.Hour, "a session unused this long ends")
	e.duration(&c.SessionLifetime, "session-max-lifetime", "KPBOT_SESSION_MAX_LIFETIME", 30*24*time.Hour, "absolute session lifetime")
	e.duration(&c.RefreshGrace, "refresh-reuse-grace", "KPBOT_REFRESH_REUSE_GRACE", 0, "window in which the previous refresh token answers 409 instead of revoking")
	e.duration(&c.SessionCacheTTL, "session-cache-ttl", "KPBOT_SESSION_CACHE_TTL", 5*time.Second, "reuse a session check this long; revocations reach every instance's cache through the event bus (0: check every request)")
	e.integer(&c.BcryptCost, "bcrypt-cost", "KPBOT_BCRYPT_COST", 12, "bcrypt cost")
	e.integer(&c.BcryptParallel, "bcrypt-concurrency", "KPBOT_BCRYPT_CONCURRENCY", 0, "bcrypt hashes run at once (0: one less than the CPUs, at least 1)")
	e.str(&c.AdminEmail, "admin-email", "KPBOT_ADMIN_EMAIL", "", "create or update this admin at start")
	e.str(&c.AdminPassword, "admin-password", "KPBOT_ADMIN_PASSWORD", "", "password of the bootstrap admin")
	e.str(&cors, "cors-origins", "KPBOT_CORS_ORIGINS", "", "comma-separated allowed origins")
	e.str(&proxies, "trusted-proxies", "KPBOT_TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is believed")
	e.integer(&c.AuthRateLimit, "auth-rate-limit", "KPBOT_AUTH_RATE_LIMIT", 30, "requests per minute per client IP on register, login and refresh")
	e.integer(&c.LoginMaxFails, "login-max-failures", "KPBOT_LOGIN_MAX_FAILURES", 10, "failed logins per account within 15 minutes before 429")
	e.integer(&maxBody, "max-body-bytes", "KPBOT_MAX_BODY_BYTES", 1<<20, "largest request body accepted")
	e.str(&c.RedisURL, "redis-url", "KPBOT_REDIS_URL", "", "redis://... for shared rate limits")
	e.str(&c.RedisFailMode, "redis-fail-mode", "KPBOT_REDIS_FAIL_MODE", "memory", "while Redis is unreachable: memory (per-instance limits) or closed (rate-limited routes answer 503)")
	e.boolean(&c.FetchPrivate, "fetch-allow-private", "KPBOT_FETCH_ALLOW_PRIVATE", false, "let the crew fetch loopback/private addresses")
	e.str(&c.LLMBaseURL, "llm-base-url", "KPBOT_LLM_BASE_URL", "", "OpenAI-compatible base URL; unset: the offline writer")
	e.str(&c.LLMAPIKey, "llm-api-key", "KPBOT_LLM_API_KEY", "", "API key of the model server")
	e.str(&c.LLMModel, "llm-model", "KPBOT_LLM_MODEL", "", "model name")
	e.integer(&c.LLMDailyTokens, "llm-daily-tokens", "KPBOT_LLM_DAILY_TOKENS", 0, "tokens one campaign may spend per UTC day on the model server (0: no limit)")
	e.integer(&c.LLMConcurrency, "llm-concurrency", "KPBOT_LLM_CONCURRENCY", 4, "model calls one run makes at once while drafting")
	e.str(&c.SearxngURL, "searxng-url", "KPBOT_SEARXNG_URL", "", "SearXNG instance the researcher asks for more blogs; unset: seed URLs only")
	e.duration(&c.FetchDelay, "fetch-delay", "KPBOT_FETCH_DELAY", time.Second, "least time between two requests to one host")
	e.integer(&c.MaxRuns, "max-runs", "KPBOT_MAX_RUNS", 4, "runs one instance executes at once")
	e.integer(&c.MaxRunsPerUser, "max-runs-per-user", "KPBOT_MAX_RUNS_PER_USER", 2, "queued or running runs one user may have")
	e.duration(&c.RunLease, "run-lease", "KPBOT_RUN_LEASE", 15*time.Second, "lease an executing run renews every third of it; a run of a dead instance is resumed elsewhere within about 1.5 times this")
	e.str(&c.LogLevel, "log-level", "KPBOT_LOG_LEVEL", "info", "debug, info, warn or error")
	e.duration(&c.ReadTimeout, "http-read-timeout", "KPBOT_HTTP_READ_TIMEOUT", 15*time.Second, "longest time to read one request (WebSocket sockets are exempt); keep it under the shutdown timeout so a trickled body cannot hold a drain")
	e.duration(&c.EventMaxAge, "event-max-age", "KPBOT_EVENT_MAX_AGE", 30*24*time.Hour, "stored events older than this are pruned (0: no age limit)")
	e.integer(&c.EventKeep, "event-keep-per-topic", "KPBOT_EVENT_KEEP_PER_TOPIC", 10000, "newest events kept per topic (0: no count limit)")
	e.str(&c.SMTPURL, "smtp-url", "KPBOT_SMTP_URL", "", "smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465; unset: account e-mails go to the log")
	e.str(&c.MailFrom, "mail-from", "KPBOT_MAIL_FROM", "", "sender of account e-mails, e.g. kpbot <no-reply@example.com>; required with KPBOT_SMTP_URL")
	e.str(&c.PublicURL, "public-url", "KPBOT_PUBLIC_URL", "", "where users open the web app; links in e-mails start with it (default http://localhost:<port>)")
	e.boolean(&c.RequireVerifiedEmail, "require-verified-email", "KPBOT_REQUIRE_VERIFIED_EMAIL", false, "users must open the verification link before starting runs (they can sign in without)")
	e.str(&c.Registration, "registration", "KPBOT_REGISTRATION", "open", "open (anyone may register) or invite (accounts only through admin invitations; register answers 403)")
	e.str(&c.SentryDSN, "sentry-dsn", "KPBOT_SENTRY_DSN", "", "Sentry or GlitchTip DSN error reports also go to (unset: the log only)")
	e.str(&c.Environment, "environment", "KPBOT_ENVIRONMENT", "", "deployment name in error reports, e.g. production")
	e.duration(&c.ShutdownTimeout, "shutdown-timeout", "KPBOT_SHUTDOWN_TIMEOUT", 20*time.Second, "how long to drain on SIGTERM")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if len(e.errs) > 0 {
		return Config{}, errors.Join(e.errs...)
	}
	c.MaxBodyBytes = int64(maxBody)
	c.Tracing = tracingEnabled(getenv)
	c.CORSOrigins = splitList(cors)
	for _, p := range splitList(proxies) {
		pfx, err := parsePrefix(p)
		if err != nil {
			return Config{}, fmt.Errorf("KPBOT_TRUSTED_PROXIES: %w", err)
		}
		c.TrustedProxies = append(c.TrustedProxies, pfx)
	}
	return c, c.Validate()
}

// Validate reports settings the server cannot start with.
func (c Config) Validate() error {
	var errs []error
	if c.JWTSecret != "" && len(c.JWTSecret) < 32 {
		errs = append(errs, errors.New("KPBOT_JWT_SECRET must be at least 32 bytes"))
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("KPBOT_ADMIN_EMAIL and KPBOT_ADMIN_PASSWORD must be set together"))
	}
	if c.AuthRateLimit < 0 || c.LoginMaxFails < 0 || c.MaxBodyBytes <= 0 || c.BcryptParallel < 0 {
		errs = append(errs, errors.New("rate limits must not be negative and the body limit must be positive"))
	}
	if c.EventMaxAge < 0 || c.EventKeep < 0 {
		errs = append(errs, errors.New("event retention must not be negative"))
	}
	if c.RefreshGrace < 0 || c.SessionCacheTTL < 0 || c.ReadTimeout <= 0 || c.AccessTTL <= 0 || c.SessionIdle <= 0 || c.SessionLifetime <= 0 {
		errs = append(errs, errors.New("token and session lifetimes must be positive"))
	}
	if c.LLMDailyTokens < 0 || c.FetchDelay < 0 || c.MaxRuns < 1 || c.MaxRunsPerUser < 1 {
		errs = append(errs, errors.New("run limits must be at least 1; token budget and fetch delay must not be negative"))
	}
	if c.LLMConcurrency < 0 || c.LLMConcurrency > 64 {
		errs = append(errs, errors.New("KPBOT_LLM_CONCURRENCY must be between 1 and 64 (0: the default, 4)"))
	}
	if c.RunLease < time.Second {
		errs = append(errs, errors.New("KPBOT_RUN_LEASE must be at least 1s"))
	}
	if (c.LLMBaseURL == "") != (c.LLMModel == "") {
		errs = append(errs, errors.New("KPBOT_LLM_BASE_URL and KPBOT_LLM_MODEL must be set together"))
	}
	if c.SMTPURL != "" && c.MailFrom == "" {
		errs = append(errs, errors.New("KPBOT_MAIL_FROM is required with KPBOT_SMTP_URL"))
	}
	if c.PublicURL != "" && !strings.HasPrefix(c.PublicURL, "http://") && !strings.HasPrefix(c.PublicURL, "https://") {
		errs = append(errs, errors.New("KPBOT_PUBLIC_URL must start with http:// or https://"))
	}
	switch c.Registration {
	case "", "open", "invite":
	default:
		errs = append(errs, fmt.Errorf("KPBOT_REGISTRATION: %q is not open or invite", c.Registration))
	}
	switch c.RedisFailMode {
	case "", "memory", "closed": // unset is memory
	default:
		errs = append(errs, fmt.Errorf("KPBOT_REDIS_FAIL_MODE: %q is not memory or closed", c.RedisFailMode))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("KPBOT_LOG_LEVEL: %q is not debug, info, warn or error", c.LogLevel))
	}
	return errors.Join(errs...)
}

// IsPostgres reports whether DatabaseURL names PostgreSQL.
func (c Config) IsPostgres() bool { return isPostgresURL(c.DatabaseURL) }

func isPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// parsePrefix accepts a CIDR or a single address.
func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR", s)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR", s)
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
