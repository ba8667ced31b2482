package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
)

// reply is one scripted answer of the fake server.
type reply struct {
	status int
	header map[string]string
	body   string
	delay  time.Duration
}

// fakeServer speaks the chat completions API from a script; once the
// script runs out it repeats the last reply.
type fakeServer struct {
	*httptest.Server
	mu       sync.Mutex
	script   []reply
	requests []recorded
}

type recorded struct {
	path, auth string
	body       map[string]any
}

func okReply(content string) reply {
	return reply{status: 200, body: fmt.Sprintf(`{"id":"c1","object":"chat.completion","model":"test-model-001",
		"choices":[{"index":0,"message":{"role":"assistant","content":%q},"finish_reason":"stop"}],
		"usage":{"prompt_tokens":12,"completion_tokens":30,"total_tokens":42}}`, content)}
}

func newFakeServer(t *testing.T, script ...reply) *fakeServer {
	t.Helper()
	fs := &fakeServer{script: script}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		fs.mu.Lock()
		fs.requests = append(fs.requests, recorded{path: r.URL.Path, auth: r.Header.Get("Authorization"), body: body})
		rep := fs.script[min(len(fs.requests), len(fs.script))-1]
		fs.mu.Unlock()
		if rep.delay > 0 {
			select {
			case <-time.After(rep.delay):
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range rep.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(rep.status)
		_, _ = w.Write([]byte(rep.body))
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *fakeServer) calls() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.requests)
}

// newClient returns a client for fs whose sleeps are recorded, not slept.
func newClient(t *testing.T, fs *fakeServer, cfg Config) (*Client, *[]time.Duration) {
	t.Helper()
	cfg.BaseURL = fs.URL + "/v1"
	if cfg.Model == "" {
		cfg.Model = "test-model"
	}
	c, err := New(cfg)
	require.NoError(t, err)
	var mu sync.Mutex
	var waits []time.Duration
	c.sleep = func(ctx context.Context, d time.Duration) error {
		mu.Lock()
		waits = append(waits, d)
		mu.Unlock()
		return ctx.Err()
	}
	return c, &waits
}

func chatReq() agents.GenerateRequest {
	return agents.GenerateRequest{
		System:      "be brief",
		Messages:    []agents.Message{{Role: agents.RoleUser, Content: "hello"}},
		MaxTokens:   128,
		Temperature: 0.4,
	}
}

func TestGenerateSuccess(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, okReply("  A fine comment.  "))
	c, waits := newClient(t, fs, Config{APIKey: "sk-secret", PromptPricePerMTok: 1, CompletionPricePerMTok: 2})

	resp, err := c.Generate(context.Background(), chatReq())
	require.NoError(t, err)
	assert.Equal(t, "A fine comment.", resp.Content)
	assert.Equal(t, "test-model-001", resp.Model)
	assert.Equal(t, agents.Usage{PromptTokens: 12, CompletionTokens: 30, TotalTokens: 42, CostUSD: 12e-6 + 60e-6}, resp.Usage)
	assert.Empty(t, *waits)

	require.Equal(t, 1, fs.calls())
	got := fs.requests[0]
	assert.Equal(t, "/v1/chat/completions", got.path)
	assert.Equal(t, "Bearer sk-secret", got.auth)
	assert.Equal(t, "test-model", got.body["model"])
	assert.InDelta(t, 128, got.body["max_tokens"], 0)
	assert.InDelta(t, 0.4, got.body["temperature"], 1e-9)
	assert.Equal(t, false, got.body["stream"])
	assert.Equal(t, []any{
		map[string]any{"role": "system", "content": "be brief"},
		map[string]any{"role": "user", "content": "hello"},
	}, got.body["messages"])
}

func TestGenerateNoKeyNoAuthHeaderAndRequestModel(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, okReply("ok"))
	c, _ := newClient(t, fs, Config{})
	req := chatReq()
	req.Model = "llama3"
	_, err := c.Generate(context.Background(), req)
	require.NoError(t, err)
	assert.Empty(t, fs.requests[0].auth)
	assert.Equal(t, "llama3", fs.requests[0].body["model"])
}

func TestGenerateBuildsPromptFromPost(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, okReply("ok"))
	c, _ := newClient(t, fs, Config{})
	_, err := c.Generate(context.Background(), agents.GenerateRequest{Post: &agents.PostContext{
		Title: "Partial indexes", Text: "Index only the pending rows.", Tone: "casual",
		Feedback: []string{"too_short: write more"},
	}})
	require.NoError(t, err)
	msgs := fs.requests[0].body["messages"].([]any)
	require.Len(t, msgs, 2)
	system := msgs[0].(map[string]any)["content"].(string)
	user := msgs[1].(map[string]any)["content"].(string)
	wantSystem, wantUser := agents.CommentPrompt(&agents.PostContext{
		Title: "Partial indexes", Text: "Index only the pending rows.", Tone: "casual",
		Feedback: []string{"too_short: write more"},
	})
	assert.Equal(t, wantSystem, system, "the post is rendered by the one comment prompt")
	assert.Equal(t, wantUser, user)
	assert.Contains(t, user, "Partial indexes")
	assert.Contains(t, user, "Index only the pending rows.")
	assert.Contains(t, system, "casual")
	assert.Contains(t, user, "too_short: write more")
	assert.Contains(t, system, "Do not include any link")
}

func TestGenerateRetries429HonouringRetryAfter(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t,
		reply{status: 429, header: map[string]string{"Retry-After": "2"}, body: `{"error":{"message":"slow down","type":"rate_limit"}}`},
		okReply("after the wait"))
	c, waits := newClient(t, fs, Config{})
	resp, err := c.Generate(context.Background(), chatReq())
	require.NoError(t, err)
	assert.Equal(t, "after the wait", resp.Content)
	assert.Equal(t, 2, fs.calls())
	assert.Equal(t, []time.Duration{2 * time.Second}, *waits)
}

func TestGenerateRetryAfterIsCapped(t *testing.T) {
	t.Parallel()
	date := time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)
	fs := newFakeServer(t, reply{status: 503, header: map[string]string{"Retry-After": date}, body: "busy"}, okReply("ok"))
	c, waits := newClient(t, fs, Config{MaxBackoff: 5 * time.Second})
	_, err := c.Generate(context.Background(), chatReq())
	require.NoError(t, err)
	assert.Equal(t, []time.Duration{5 * time.Second}, *waits)
}

func TestGenerateRetries500(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, reply{status: 500, body: "oops"}, reply{status: 502, body: "bad gateway"}, okReply("third time"))
	c, waits := newClient(t, fs, Config{MinBackoff: 100 * time.Millisecond})
	resp, err := c.Generate(context.Background(), chatReq())
	require.NoError(t, err)
	assert.Equal(t, "third time", resp.Content)
	require.Len(t, *waits, 2)
	assert.True(t, (*waits)[0] >= 50*time.Millisecond && (*waits)[0] <= 100*time.Millisecond, (*waits)[0])
	assert.True(t, (*waits)[1] >= 100*time.Millisecond && (*waits)[1] <= 200*time.Millisecond, (*waits)[1])
}

func TestGeneratePermanent500GivesUp(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, reply{status: 500, body: `{"error":{"message":"model crashed","type":"server_error","code":"E42"}}`})
	c, waits := newClient(t, fs, Config{MaxRetries: 2})
	_, err := c.Generate(context.Background(), chatReq())
	require.Error(t, err)
	assert.Equal(t, 3, fs.calls())
	assert.Len(t, *waits, 2)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.Equal(t, "model crashed", apiErr.Message)
	assert.Equal(t, "E42", apiErr.Code)
	assert.Contains(t, err.Error(), "after 3 attempts")
}

func TestGeneratePersistent429IsRateLimited(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, reply{status: 429, body: `{"error":"too many requests"}`})
	c, _ := newClient(t, fs, Config{MaxRetries: 1})
	_, err := c.Generate(context.Background(), chatReq())
	require.ErrorIs(t, err, agents.ErrRateLimited)
	assert.Equal(t, 2, fs.calls())
	assert.Contains(t, err.Error(), "too many requests")
}

func TestGenerate401NotRetried(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, reply{status: 401, body: `{"error":{"message":"Incorrect API key provided","type":"invalid_request_error"}}`})
	c, waits := newClient(t, fs, Config{APIKey: "sk-wrong"})
	_, err := c.Generate(context.Background(), chatReq())
	require.Error(t, err)
	assert.Equal(t, 1, fs.calls())
	assert.Empty(t, *waits)
	var apiErr *APIError
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 401, apiErr.StatusCode)
	assert.NotContains(t, err.Error(), "sk-wrong")
	assert.NotErrorIs(t, err, agents.ErrRateLimited)
}

func TestGenerateBadResponses(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"malformed JSON": `{"choices":[{"message":`,
		"empty choices":  `{"model":"m","choices":[]}`,
		"null content":   `{"model":"m","choices":[{"message":{"role":"assistant","content":null},"finish_reason":"length"}]}`,
		"error in 200":   `{"error":{"message":"context length exceeded"}}`,
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fs := newFakeServer(t, reply{status: 200, body: body})
			c, waits := newClient(t, fs, Config{})
			_, err := c.Generate(context.Background(), chatReq())
			require.ErrorIs(t, err, ErrBadResponse)
			assert.Equal(t, 1, fs.calls(), "no retry")
			assert.Empty(t, *waits)
		})
	}
}

func TestGenerateAttemptTimeout(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, reply{status: 200, body: `{}`, delay: 2 * time.Second})
	c, waits := newClient(t, fs, Config{Timeout: 50 * time.Millisecond, MaxRetries: 1})
	start := time.Now()
	_, err := c.Generate(context.Background(), chatReq())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), time.Second)
	assert.Equal(t, 2, fs.calls(), "an attempt timeout is retried")
	assert.Len(t, *waits, 1)
}

func TestGenerateCallerDeadline(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, reply{status: 200, body: `{}`, delay: 2 * time.Second})
	c, _ := newClient(t, fs, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Generate(ctx, chatReq())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Equal(t, 1, fs.calls(), "the caller's deadline stops retries")
}

func TestGenerateRealSleepHonoursContext(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, reply{status: 503, header: map[string]string{"Retry-After": "30"}, body: "busy"})
	c, err := New(Config{BaseURL: fs.URL, Model: "m"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Generate(ctx, chatReq())
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 2*time.Second)
}

func TestGenerateRequestErrors(t *testing.T) {
	t.Parallel()
	fs := newFakeServer(t, okReply("x"))
	c, err := New(Config{BaseURL: fs.URL})
	require.NoError(t, err)
	_, err = c.Generate(context.Background(), chatReq())
	require.ErrorContains(t, err, "no model")
	c, _ = newClient(t, fs, Config{})
	_, err = c.Generate(context.Background(), agents.GenerateRequest{})
	require.ErrorContains(t, err, "no messages")
	assert.Zero(t, fs.calls())
}

func TestConfigValidateAndRedaction(t *testing.T) {
	t.Parallel()
	_, err := New(Config{})
	require.Error(t, err)
	_, err = New(Config{BaseURL: "localhost:8080"})
	require.Error(t, err)
	_, err = New(Config{BaseURL: "http://x", Timeout: -1})
	require.Error(t, err)

	cfg := Config{BaseURL: "http://x", APIKey: "sk-very-secret", Model: "m"}
	assert.NotContains(t, cfg.String(), "sk-very-secret")
	assert.NotContains(t, fmt.Sprintf("%v %+v", cfg, cfg), "sk-very-secret")
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("llm", "config", cfg)
	assert.NotContains(t, buf.String(), "sk-very-secret")
	assert.Contains(t, buf.String(), "redacted")
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	assert.Equal(t, 7*time.Second, parseRetryAfter("7", now))
	assert.Equal(t, 1500*time.Millisecond, parseRetryAfter("1.5", now))
	assert.Equal(t, 10*time.Second, parseRetryAfter(now.Add(10*time.Second).Format(http.TimeFormat), now))
	assert.Zero(t, parseRetryAfter(now.Add(-time.Minute).Format(http.TimeFormat), now))
	assert.Zero(t, parseRetryAfter("soon", now))
	assert.Zero(t, parseRetryAfter("-3", now))
	assert.Zero(t, parseRetryAfter("", now))
}

func TestBackoffIsCappedAndJittered(t *testing.T) {
	t.Parallel()
	c, err := New(Config{BaseURL: "http://x", MinBackoff: time.Second, MaxBackoff: 4 * time.Second})
	require.NoError(t, err)
	for attempt := range 6 {
		d := c.backoff(attempt, 0)
		want := min(time.Second<<attempt, 4*time.Second)
		assert.GreaterOrEqual(t, d, want/2)
		assert.LessOrEqual(t, d, want)
	}
	assert.Equal(t, 3*time.Second, c.backoff(0, 3*time.Second))
	assert.Equal(t, 4*time.Second, c.backoff(0, time.Minute))
}
