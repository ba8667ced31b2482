package web

import (
	"errors"
	"net/http"
	"net/netip"
	"time"
)

// Defaults applied by NewFetcher to zero-valued Config fields.
const (
	DefaultUserAgent    = "kpbotbot/0.1 (+https://github.com/kpbot/kpbot)"
	DefaultTimeout      = 15 * time.Second
	DefaultMaxBodyBytes = 2 << 20
	DefaultMaxRedirects = 5
	DefaultPerHostDelay = time.Second
	DefaultRobotsTTL    = time.Hour
)

// NoDelay turns the per-host delay off when set as Config.PerHostDelay
// (requests to one host are still made one at a time). Zero means
// DefaultPerHostDelay.
const NoDelay time.Duration = -1

// Config tunes a Fetcher. The zero value is usable: every zero field takes
// the matching Default* value.
type Config struct {
	// UserAgent is sent on every request; its first word (before "/") is
	// the product token matched against robots.txt groups.
	UserAgent string
	// Timeout bounds one request, from dial to the last body byte; waiting
	// for a host's turn does not count.
	Timeout time.Duration
	// MaxBodyBytes caps a response body; a larger one fails with
	// ErrTooLarge without being read further.
	MaxBodyBytes int64
	// MaxRedirects caps redirects followed per fetch; negative follows none.
	MaxRedirects int
	// PerHostDelay is the least time between the end of one request to a
	// host and the start of the next; a robots.txt Crawl-delay raises it.
	// Zero means DefaultPerHostDelay; NoDelay (negative) means none.
	PerHostDelay time.Duration
	// AllowPrivate lets the fetcher connect to loopback, private (RFC 1918,
	// ULA), link-local and CGNAT addresses, for tests and local demos.
	// Cloud-metadata endpoints, unspecified, multicast, broadcast and
	// reserved addresses stay refused even then.
	AllowPrivate bool
	// RobotsTTL is how long a host's robots.txt is cached.
	RobotsTTL time.Duration
}

// withDefaults returns c with zero fields replaced by defaults.
func (c Config) withDefaults() Config {
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.MaxRedirects == 0 {
		c.MaxRedirects = DefaultMaxRedirects
	} else if c.MaxRedirects < 0 {
		c.MaxRedirects = 0
	}
	if c.PerHostDelay == 0 {
		c.PerHostDelay = DefaultPerHostDelay
	} else if c.PerHostDelay < 0 {
		c.PerHostDelay = 0
	}
	if c.RobotsTTL == 0 {
		c.RobotsTTL = DefaultRobotsTTL
	}
	return c
}

// Validate reports a Config that NewFetcher would refuse.
func (c Config) Validate() error {
	var errs []error
	if c.Timeout < 0 {
		errs = append(errs, errors.New("web config: Timeout must not be negative"))
	}
	if c.MaxBodyBytes < 0 {
		errs = append(errs, errors.New("web config: MaxBodyBytes must not be negative"))
	}
	if c.RobotsTTL < 0 {
		errs = append(errs, errors.New("web config: RobotsTTL must not be negative"))
	}
	return errors.Join(errs...)
}

// Option customises a Fetcher beyond Config.
type Option func(*options)

type options struct {
	transport *http.Transport
	allowed   []netip.Prefix
}

// WithTransport uses a clone of base for connection settings (TLS roots,
// pool sizes). Its proxy and dial functions are replaced: the Fetcher
// always dials through its own address guard and never through a proxy.
func WithTransport(base *http.Transport) Option {
	return func(o *options) { o.transport = base }
}

// WithAllowedPrefixes lets the fetcher connect to these ranges even when
// AllowPrivate is false (for example one internal blog network, or
// 127.0.0.1/32 in tests). Cloud-metadata and the other always-refused
// addresses stay refused.
func WithAllowedPrefixes(prefixes ...netip.Prefix) Option {
	return func(o *options) { o.allowed = append(o.allowed, prefixes...) }
}
