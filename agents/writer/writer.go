// Package writer is the comment writer of the outreach crew, with the
// quality reviewer (agents/reviewer) as its guardrail: it asks the LLM port
// for a comment on one prospect, reviews it, and on failure asks again with
// the reviewer's reasons (PostContext.Feedback, Attempt), a bounded number
// of times. The final draft is returned even when it never passed, with its
// score and flags, so a person can see why.
package writer

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/reviewer"
)

// DefaultMaxRetries is how many times a failing draft is rewritten.
const DefaultMaxRetries = 2

// Config tunes the writer.
type Config struct {
	// MaxRetries is how many rewrites a failing draft gets; 0 means
	// DefaultMaxRetries, negative means none.
	MaxRetries int
	// Model is passed to the LLM; empty means the adapter's default.
	Model string
	// MaxTokens caps each completion; 0 means the adapter's default.
	MaxTokens int
	// Temperature is the sampling temperature.
	Temperature float64
	// Review tunes the reviewer; AllowLinks is taken from the brief.
	Review reviewer.Config
}

// Writer implements agents.Writer.
type Writer struct {
	llm agents.LLM
	cfg Config
}

var (
	_ agents.Writer          = (*Writer)(nil)
	_ agents.NearCopyChecker = (*Writer)(nil)
	_ agents.Redrafter       = (*Writer)(nil)
)

// NearCopy reports whether body is a near-copy of any of others, by the
// reviewer's near-duplicate check.
func (w *Writer) NearCopy(b agents.Brief, body string, others []string) bool {
	rcfg := w.cfg.Review
	rcfg.AllowLinks = b.AllowLinks
	return slices.Contains(reviewer.Review(rcfg, body, reviewer.PostInput{Keywords: b.Keywords}, others).Flags, reviewer.FlagNearDuplicate)
}

// New returns a Writer that drafts with llm.
func New(llm agents.LLM, cfg Config) (*Writer, error) {
	if llm == nil {
		return nil, errors.New("writer: an LLM is required")
	}
	switch {
	case cfg.MaxRetries == 0:
		cfg.MaxRetries = DefaultMaxRetries
	case cfg.MaxRetries < 0:
		cfg.MaxRetries = 0
	}
	return &Writer{llm: llm, cfg: cfg}, nil
}

// attempt is one draft and the reviewer's verdict on it.
type attempt struct {
	body   string
	model  string
	review reviewer.Result
}

// Draft writes, reviews and, when needed, rewrites a comment for p.
func (w *Writer) Draft(ctx context.Context, b agents.Brief, p agents.ProspectResult, others []string) (agents.DraftResult, error) {
	return w.write(ctx, b, p, others, nil)
}

// Redraft reviews prev, a draft this writer wrote for p knowing fewer
// drafts, against others and, when it fails, rewrites it with the
// reviewer's reasons as a retry of prev (attempts numbered on from
// prev.Attempts), rather than from scratch. It makes at least one new
// attempt however few retries the writer is configured for (prev was
// never reviewed against others), and stops, like Draft, when an attempt
// fails a check the one before it failed too, keeping the best attempt
// (prev included) with its flags. The result counts prev's attempts and
// usage.
func (w *Writer) Redraft(ctx context.Context, b agents.Brief, p agents.ProspectResult, others []string, prev agents.DraftResult) (agents.DraftResult, error) {
	return w.write(ctx, b, p, others, &prev)
}

// write drafts a comment for p: from scratch, or, when prev is set, as the
// retries of prev (attempt 0 of the loop is prev itself, reviewed again).
func (w *Writer) write(ctx context.Context, b agents.Brief, p agents.ProspectResult, others []string, prev *agents.DraftResult) (agents.DraftResult, error) {
	rcfg := w.cfg.Review
	rcfg.AllowLinks = b.AllowLinks
	post := reviewer.PostInput{Title: p.Title, Text: p.Text, Keywords: b.Keywords, Language: agents.DraftLanguage(b, p)}
	var usage agents.Usage
	retries, base := w.cfg.MaxRetries, 0 // base: the prompt's attempt number of the loop's attempt 0
	if prev != nil {
		usage = prev.Usage
		retries, base = max(retries, 1), max(prev.Attempts-1, 0)
	}
	produce := func(ctx context.Context, n int, feedback []string) (attempt, error) {
		if prev != nil && n == 0 {
			return attempt{body: prev.Body, model: prev.Model, review: reviewer.Review(rcfg, prev.Body, post, others)}, nil
		}
		resp, err := w.llm.Generate(ctx, w.request(b, p, base+n, feedback))
		if err != nil {
			return attempt{}, fmt.Errorf("generate (attempt %d): %w", base+n+1, err)
		}
		usage.PromptTokens += resp.Usage.PromptTokens
		usage.CompletionTokens += resp.Usage.CompletionTokens
		usage.TotalTokens += resp.Usage.TotalTokens
		usage.CostUSD += resp.Usage.CostUSD
		return attempt{body: resp.Content, model: resp.Model, review: reviewer.Review(rcfg, resp.Content, post, others)}, nil
	}
	guard := func(a attempt) agents.Verdict {
		return agents.Verdict{Passed: a.review.Passed, Score: a.review.Score, Reasons: a.review.Reasons, Flags: a.review.Flags}
	}
	g, err := agents.RetryGuarded(ctx, retries, produce, guard)
	if err != nil {
		return agents.DraftResult{}, err
	}
	attempts := g.Attempts
	if prev != nil {
		attempts = prev.Attempts + g.Attempts - 1 // the loop's attempt 0 is prev
	}
	best := g.Value
	return agents.DraftResult{
		CampaignID:  b.CampaignID,
		ProspectKey: p.Key(),
		ProspectURL: p.URL,
		Body:        best.body,
		Score:       best.review.Score,
		Flags:       append([]string{}, best.review.Flags...),
		Passed:      best.review.Passed,
		Reasons:     best.review.Reasons,
		Attempts:    attempts,
		Model:       best.model,
		Usage:       usage,
	}, nil
}

// request builds the LLM request for attempt n of a draft for p.
func (w *Writer) request(b agents.Brief, p agents.ProspectResult, n int, feedback []string) agents.GenerateRequest {
	pc := &agents.PostContext{
		Title: p.Title, URL: p.CanonicalURL, Site: p.Site, Text: p.Text,
		Keywords: b.Keywords, Tone: b.Tone, Language: agents.DraftLanguage(b, p), Guidelines: b.Guidelines,
		AllowLinks: b.AllowLinks, Feedback: feedback, Attempt: n,
	}
	system, user := agents.CommentPrompt(pc)
	return agents.GenerateRequest{
		Model:       w.cfg.Model,
		System:      system,
		Messages:    []agents.Message{{Role: agents.RoleUser, Content: user}},
		MaxTokens:   w.cfg.MaxTokens,
		Temperature: w.cfg.Temperature,
		Purpose:     agents.PurposeComment,
		CampaignID:  b.CampaignID,
		Post:        pc,
	}
}
