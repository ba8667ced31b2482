package openai

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"
)

// Config configures a Client. Zero fields take the documented defaults.
type Config struct {
	// BaseURL is the API root that "/chat/completions" is appended to, e.g.
	// "https://api.openai.com/v1" or "http://localhost:11434/v1". Required.
	BaseURL string
	// APIKey is sent as "Authorization: Bearer <key>"; empty sends no
	// header (local servers). It is never logged or printed.
	APIKey string
	// Model is used when a request names none. One of the two is required.
	Model string
	// Timeout bounds each HTTP attempt; the caller's context bounds the
	// whole call, retries included. Default 60s.
	Timeout time.Duration
	// MaxRetries is how many times a failed attempt (429, 408, 5xx, network
	// error, attempt timeout) is retried. 0 means the default 3; negative
	// means never retry.
	MaxRetries int
	// MinBackoff is the first retry delay, doubled each retry; default 500ms.
	MinBackoff time.Duration
	// MaxBackoff caps every retry delay, Retry-After included; default 30s.
	MaxBackoff time.Duration
	// MaxTokens is sent when a request sets none; 0 leaves it to the server.
	MaxTokens int
	// PromptPricePerMTok and CompletionPricePerMTok, in US dollars per
	// million tokens, turn usage into Usage.CostUSD; zero means free.
	PromptPricePerMTok     float64
	CompletionPricePerMTok float64
	// HTTPClient sends the requests; default a plain http.Client (the
	// per-attempt deadline comes from Timeout).
	HTTPClient *http.Client
	// Logger receives one debug line per retry; default discards.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 60 * time.Second
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = 3
	}
	if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	if c.MinBackoff == 0 {
		c.MinBackoff = 500 * time.Millisecond
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = 30 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports a configuration the Client cannot work with.
func (c Config) Validate() error {
	if c.BaseURL == "" {
		return errors.New("openai config: BaseURL is required")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return fmt.Errorf("openai config: BaseURL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("openai config: BaseURL %q is not an absolute http(s) URL", c.BaseURL)
	}
	switch {
	case c.Timeout < 0, c.MinBackoff < 0, c.MaxBackoff < 0:
		return errors.New("openai config: durations must not be negative")
	case c.MaxTokens < 0:
		return errors.New("openai config: MaxTokens must not be negative")
	case c.PromptPricePerMTok < 0, c.CompletionPricePerMTok < 0:
		return errors.New("openai config: prices must not be negative")
	}
	return nil
}

// String describes the config with the API key redacted.
func (c Config) String() string {
	return fmt.Sprintf("openai.Config{BaseURL:%q Model:%q APIKey:%s Timeout:%s MaxRetries:%d}",
		c.BaseURL, c.Model, redact(c.APIKey), c.Timeout, c.MaxRetries)
}

// LogValue logs the config with the API key redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("base_url", c.BaseURL),
		slog.String("model", c.Model),
		slog.String("api_key", redact(c.APIKey)),
		slog.Duration("timeout", c.Timeout),
		slog.Int("max_retries", c.MaxRetries),
	)
}

func redact(key string) string {
	if key == "" {
		return "(none)"
	}
	return "(redacted)"
}
