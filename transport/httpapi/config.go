package httpapi

import (
	"errors"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Defaults applied to zero Config fields.
const (
	DefaultMaxBodyBytes  = 1 << 20 // 1 MiB
	DefaultAuthRateLimit = 30      // per minute per client IP
	DefaultReadyTimeout  = 2 * time.Second
	DefaultTitle         = "kpbot API"
	DefaultVersion       = "1.0.0"
)

// Config tunes the HTTP adapter. Zero fields take the documented defaults.
type Config struct {
	// CORSOrigins lists the origins (scheme://host[:port]) allowed to call
	// the API from a browser; "*" allows any origin. Empty: no CORS headers.
	CORSOrigins []string
	// TrustedProxies are the networks whose X-Forwarded-For is believed.
	TrustedProxies []netip.Prefix
	// MaxBodyBytes caps every request body; default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// AuthRateLimit is the number of requests per minute one client IP may
	// make to each of register, login and refresh; default 30, negative
	// disables the limit.
	AuthRateLimit int
	// ReadyTimeout bounds the readiness check of /readyz; default 2s.
	ReadyTimeout time.Duration
	// AnalyticsFlushInterval is how often the request statistics are
	// saved to Deps.Analytics; default DefaultAnalyticsFlushInterval.
	AnalyticsFlushInterval time.Duration
	// AnalyticsRetention is how long saved minutes are kept; default
	// DefaultAnalyticsRetention.
	AnalyticsRetention time.Duration
	// Title and Version describe the API in the OpenAPI document.
	Title   string
	Version string
	// Logger receives the access log and error reports; default slog.Default().
	Logger *slog.Logger
	// TracerProvider, when set, traces every request (otelhttp): one
	// server span named by the method and matched route pattern, its
	// parent taken from a W3C traceparent header, and its trace id in the
	// access log line and in error reports. Nil: no tracing, no cost.
	TracerProvider trace.TracerProvider
}

func (c Config) withDefaults() Config {
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.AuthRateLimit == 0 {
		c.AuthRateLimit = DefaultAuthRateLimit
	}
	if c.ReadyTimeout == 0 {
		c.ReadyTimeout = DefaultReadyTimeout
	}
	if c.AnalyticsFlushInterval <= 0 {
		c.AnalyticsFlushInterval = DefaultAnalyticsFlushInterval
	}
	if c.AnalyticsRetention <= 0 {
		c.AnalyticsRetention = DefaultAnalyticsRetention
	}
	if c.Title == "" {
		c.Title = DefaultTitle
	}
	if c.Version == "" {
		c.Version = DefaultVersion
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Validate reports a configuration the server cannot run with.
func (c Config) Validate() error {
	if c.MaxBodyBytes < 0 {
		return errors.New("httpapi config: MaxBodyBytes must not be negative")
	}
	if c.ReadyTimeout < 0 {
		return errors.New("httpapi config: ReadyTimeout must not be negative")
	}
	for _, o := range c.CORSOrigins {
		if _, err := normalizeOrigin(o); err != nil {
			return fmt.Errorf("httpapi config: CORS origin %q: %w", o, err)
		}
	}
	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			return fmt.Errorf("httpapi config: invalid trusted proxy prefix %v", p)
		}
	}
	return nil
}

// normalizeOrigin checks an allowed origin and returns its canonical form:
// lower-case scheme://host[:port] with no path, or "*".
func normalizeOrigin(o string) (string, error) {
	o = strings.TrimSpace(o)
	if o == "*" {
		return o, nil
	}
	u, err := url.Parse(strings.TrimSuffix(o, "/"))
	if err != nil {
		return "", fmt.Errorf("parse: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", errors.New("must be scheme://host[:port]")
	}
	return strings.ToLower(u.Scheme + "://" + u.Host), nil
}
