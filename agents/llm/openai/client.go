package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// maxBody bounds how much of a response is read.
const maxBody = 4 << 20

// Client calls an OpenAI-compatible chat completions endpoint. It is safe
// for concurrent use, and concurrent calls share one backoff: when the
// server answers 429 or asks for a Retry-After, no call sends anything
// until that pause has passed.
type Client struct {
	cfg      Config
	endpoint string
	// sleep waits d or until ctx ends; tests replace it.
	sleep func(ctx context.Context, d time.Duration) error

	mu          sync.Mutex
	pausedUntil time.Time // the shared rate-limit pause
}

// PausedUntil is when the shared rate-limit pause ends; a past or zero
// time means calls go out at once.
func (c *Client) PausedUntil() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pausedUntil
}

// pauseFor extends the shared pause to d from now, unless it already ends
// later. It returns the pause's end and whether this call set it.
func (c *Client) pauseFor(d time.Duration) (time.Time, bool) {
	until := time.Now().Add(d)
	c.mu.Lock()
	defer c.mu.Unlock()
	if until.After(c.pausedUntil) {
		c.pausedUntil = until
		return until, true
	}
	return c.pausedUntil, false
}

// waitPause waits out the shared pause unless it is one this call has
// already waited for (*waited).
func (c *Client) waitPause(ctx context.Context, waited *time.Time) error {
	until := c.PausedUntil()
	if !until.After(*waited) {
		return nil
	}
	*waited = until
	if d := time.Until(until); d > 0 {
		return c.sleep(ctx, d)
	}
	return nil
}

// rateLimited reports an answer that asks every caller to slow down: a 429
// or any Retry-After.
func rateLimited(err error, retryAfter time.Duration) bool {
	return retryAfter > 0 || errors.Is(err, agents.ErrRateLimited)
}

var _ agents.LLM = (*Client)(nil)

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Client{
		cfg:      cfg,
		endpoint: strings.TrimRight(cfg.BaseURL, "/") + "/chat/completions",
		sleep:    sleepCtx,
	}, nil
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	MaxTokens   int           `json:"max_tokens,omitempty"`
	Temperature float64       `json:"temperature"`
	Stream      bool          `json:"stream"`
}

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message struct {
			Role    string  `json:"role"`
			Content *string `json:"content"`
		} `json:"message"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
		TotalTokens      int `json:"total_tokens"`
	} `json:"usage"`
	Error json.RawMessage `json:"error"`
}

// Generate sends req as one chat completion, retrying transient failures.
// When req has no Messages but a Post, the prompt is built with
// agents.CommentPrompt. Errors: *APIError for a non-2xx answer (a final 429 also
// matches agents.ErrRateLimited), ErrBadResponse for an unusable 200, or
// the context's error.
func (c *Client) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	body, err := c.requestBody(req)
	if err != nil {
		return agents.GenerateResponse{}, err
	}
	var waited time.Time
	for attempt := 0; ; attempt++ {
		if err := c.waitPause(ctx, &waited); err != nil {
			return agents.GenerateResponse{}, fmt.Errorf("openai: waiting out the rate limit: %w", err)
		}
		resp, retryAfter, err := c.attempt(ctx, body)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return agents.GenerateResponse{}, fmt.Errorf("openai: chat completion: %w", errors.Join(ctx.Err(), err))
		}
		if !retryable(err) || attempt >= c.cfg.MaxRetries {
			if attempt > 0 {
				return agents.GenerateResponse{}, fmt.Errorf("openai: chat completion failed after %d attempts: %w", attempt+1, err)
			}
			return agents.GenerateResponse{}, fmt.Errorf("openai: chat completion: %w", err)
		}
		wait := c.backoff(attempt, retryAfter)
		c.cfg.Logger.DebugContext(ctx, "llm retry", "attempt", attempt+1, "wait", wait, "error", err.Error())
		if rateLimited(err, retryAfter) {
			// Every call waits, not only this one; when another call's
			// pause ends later, waitPause waits for that instead.
			until, mine := c.pauseFor(wait)
			if !mine {
				continue
			}
			waited = until
		}
		if err := c.sleep(ctx, wait); err != nil {
			return agents.GenerateResponse{}, fmt.Errorf("openai: waiting to retry: %w", err)
		}
	}
}

func (c *Client) requestBody(req agents.GenerateRequest) ([]byte, error) {
	model := req.Model
	if model == "" {
		model = c.cfg.Model
	}
	if model == "" {
		return nil, errors.New("openai: no model: set Config.Model or GenerateRequest.Model")
	}
	system, msgs := req.System, req.Messages
	if len(msgs) == 0 && req.Post != nil {
		s, user := agents.CommentPrompt(req.Post)
		if system == "" {
			system = s
		}
		msgs = []agents.Message{{Role: agents.RoleUser, Content: user}}
	}
	if len(msgs) == 0 {
		return nil, errors.New("openai: request has no messages and no post")
	}
	cr := chatRequest{Model: model, MaxTokens: req.MaxTokens, Temperature: req.Temperature}
	if cr.MaxTokens == 0 {
		cr.MaxTokens = c.cfg.MaxTokens
	}
	if system != "" {
		cr.Messages = append(cr.Messages, chatMessage{Role: agents.RoleSystem, Content: system})
	}
	for _, m := range msgs {
		role := m.Role
		if role == "" {
			role = agents.RoleUser
		}
		cr.Messages = append(cr.Messages, chatMessage{Role: role, Content: m.Content})
	}
	b, err := json.Marshal(cr)
	if err != nil {
		return nil, fmt.Errorf("openai: encode request: %w", err)
	}
	return b, nil
}

// attempt makes one HTTP call. It returns the Retry-After the server asked
// for along with any error.
func (c *Client) attempt(ctx context.Context, body []byte) (agents.GenerateResponse, time.Duration, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return agents.GenerateResponse{}, 0, fmt.Errorf("build request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	hreq.Header.Set("Accept", "application/json")
	if c.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	hresp, err := c.cfg.HTTPClient.Do(hreq)
	if err != nil {
		return agents.GenerateResponse{}, 0, &transportError{err: err}
	}
	defer hresp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(hresp.Body, maxBody))
	if err != nil {
		return agents.GenerateResponse{}, 0, &transportError{err: fmt.Errorf("read response: %w", err)}
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		apiErr := parseAPIError(hresp.StatusCode, raw)
		apiErr.RetryAfter = parseRetryAfter(hresp.Header.Get("Retry-After"), time.Now())
		return agents.GenerateResponse{}, apiErr.RetryAfter, apiErr
	}
	resp, err := c.decode(raw)
	return resp, 0, err
}

func (c *Client) decode(raw []byte) (agents.GenerateResponse, error) {
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil {
		return agents.GenerateResponse{}, fmt.Errorf("%w: malformed JSON: %v (body starts %q)", ErrBadResponse, err, snippet(raw))
	}
	if len(cr.Error) > 0 && string(cr.Error) != "null" {
		e := parseAPIError(200, raw)
		return agents.GenerateResponse{}, fmt.Errorf("%w: error in a 200 answer: %s", ErrBadResponse, e.Message)
	}
	if len(cr.Choices) == 0 {
		return agents.GenerateResponse{}, fmt.Errorf("%w: no choices", ErrBadResponse)
	}
	ch := cr.Choices[0]
	if ch.Message.Content == nil || strings.TrimSpace(*ch.Message.Content) == "" {
		return agents.GenerateResponse{}, fmt.Errorf("%w: empty message (finish_reason %q)", ErrBadResponse, ch.FinishReason)
	}
	out := agents.GenerateResponse{Content: strings.TrimSpace(*ch.Message.Content), Model: cr.Model}
	if cr.Usage != nil {
		u := cr.Usage
		out.Usage = agents.Usage{PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, TotalTokens: u.TotalTokens}
		if out.Usage.TotalTokens == 0 {
			out.Usage.TotalTokens = u.PromptTokens + u.CompletionTokens
		}
	} else {
		out.Warnings = append(out.Warnings, "server reported no usage")
	}
	out.Usage.CostUSD = float64(out.Usage.PromptTokens)*c.cfg.PromptPricePerMTok/1e6 +
		float64(out.Usage.CompletionTokens)*c.cfg.CompletionPricePerMTok/1e6
	return out, nil
}

// backoff is the wait before retry number attempt+1: the server's
// Retry-After if it gave one, else MinBackoff doubled per attempt with
// "equal jitter" (half fixed, half random); both capped at MaxBackoff.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, c.cfg.MaxBackoff)
	}
	d := float64(c.cfg.MinBackoff) * math.Pow(2, float64(attempt))
	d = math.Min(d, float64(c.cfg.MaxBackoff))
	return jitter(time.Duration(d))
}

// transportError is a failure to get any HTTP answer.
type transportError struct{ err error }

func (e *transportError) Error() string { return "transport: " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

func retryable(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.Temporary()
	}
	var te *transportError
	return errors.As(err, &te)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func snippet(raw []byte) string {
	const n = 120
	s := strings.TrimSpace(string(raw))
	if len(s) > n {
		s = s[:n] + "…"
	}
	return s
}
