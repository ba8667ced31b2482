// Package llmtest is the conformance suite of the LLM port (agents.LLM):
// every adapter, and every decorator such as agents/llm/budget, runs Run
// and is done when it passes (docs/recipes.md, "Swap the LLM adapter").
// It checks that an adapter answers, is safe for concurrent use, honours
// cancellation and deadlines, and that its refusals keep their identity
// through errors.Is (agents.ErrRateLimited, agents.ErrBudgetExceeded)
// while saying more than the bare sentinel.
package llmtest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// CampaignID is the campaign of every request the suite makes; an adapter
// behind a budget spends that campaign's budget (Fixture.BudgetSpent).
const CampaignID = "llmtest-campaign"

// Fixture is one adapter wired for the suite. Only LLM is required: the
// scenarios of a nil field are skipped, saying why.
type Fixture struct {
	// LLM is the adapter over a backend that answers every call.
	LLM agents.LLM
	// Stalled is the adapter over a backend that never answers: a call
	// returns only when its context ends. Nil for an adapter with no
	// backend to wait on (the offline writer).
	Stalled agents.LLM
	// RateLimited is the adapter over a backend that answers every call
	// "too many requests" (HTTP 429), with retries used up or off.
	RateLimited agents.LLM
	// Broken is the adapter over a backend that fails every call for
	// another reason (HTTP 500, an unusable answer).
	Broken agents.LLM
	// BudgetSpent is the adapter behind a budget whose day is already spent
	// for CampaignID.
	BudgetSpent agents.LLM
	// ReportsUsage says every answer reports the tokens it used.
	ReportsUsage bool
}

// Request is the request the suite sends: an English comment on a post,
// both as messages and as structured context, for CampaignID.
func Request() agents.GenerateRequest {
	return agents.GenerateRequest{
		System: "You write one short, specific comment on a blog post.",
		Messages: []agents.Message{{Role: agents.RoleUser, Content: "Write a comment on \"Indexes in PostgreSQL\": " +
			"a partial index keeps only the rows a query needs, so it stays small and fast to scan."}},
		MaxTokens:  256,
		Purpose:    agents.PurposeComment,
		CampaignID: CampaignID,
		Post: &agents.PostContext{
			Title: "Indexes in PostgreSQL", URL: "https://blog.example.test/indexes", Site: "blog.example.test",
			Text: "A partial index keeps only the rows a query needs, so it stays small and fast to scan. " +
				"Covering indexes with INCLUDE let an index-only scan answer without touching the heap.",
			Keywords: []string{"postgres", "index"}, Tone: "friendly", Language: "en",
		},
	}
}

// Run runs every scenario against the adapters newFixture returns; it is
// called once per scenario.
func Run(t *testing.T, newFixture func(t *testing.T) Fixture) {
	t.Helper()
	scenarios := []struct {
		name string
		fn   func(t *testing.T, f Fixture)
	}{
		{"Answers", testAnswers},
		{"ConcurrentCalls", testConcurrent},
		{"CancelledBeforeCall", testCancelled},
		{"DeadlineWhileWaiting", testDeadline},
		{"RateLimited", testRateLimited},
		{"BackendFails", testBroken},
		{"BudgetSpent", testBudgetSpent},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if f.LLM == nil {
				t.Fatal("llmtest: Fixture.LLM is required")
			}
			sc.fn(t, f)
		})
	}
}

func testAnswers(t *testing.T, f Fixture) {
	resp, err := f.LLM.Generate(t.Context(), Request())
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if resp.Content == "" {
		t.Error("the answer has no content")
	}
	if !f.ReportsUsage {
		return
	}
	u := resp.Usage
	if u.PromptTokens <= 0 || u.CompletionTokens <= 0 {
		t.Errorf("usage %+v: prompt and completion tokens must be reported", u)
	}
	if u.TotalTokens != 0 && u.TotalTokens != u.PromptTokens+u.CompletionTokens {
		t.Errorf("usage %+v: total is not prompt + completion", u)
	}
	if u.CostUSD < 0 {
		t.Errorf("usage %+v: negative cost", u)
	}
}

func testConcurrent(t *testing.T, f Fixture) {
	const calls = 8
	var wg sync.WaitGroup
	errs := make([]error, calls)
	for i := range calls {
		wg.Go(func() {
			resp, err := f.LLM.Generate(t.Context(), Request())
			if err == nil && resp.Content == "" {
				err = errors.New("empty content")
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("call %d of %d at once: %v", i+1, calls, err)
		}
	}
}

func testCancelled(t *testing.T, f Fixture) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for name, llm := range map[string]agents.LLM{"LLM": f.LLM, "Stalled": f.Stalled} {
		if llm == nil {
			continue
		}
		_, err := llm.Generate(ctx, Request())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want an error wrapping context.Canceled", name, err)
			continue
		}
		wrapped(t, name, err, context.Canceled)
	}
}

func testDeadline(t *testing.T, f Fixture) {
	if f.Stalled == nil {
		t.Skip("the adapter has no backend that can stall")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := f.Stalled.Generate(ctx, Request())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a call past its deadline: %v, want an error wrapping context.DeadlineExceeded", err)
	}
	wrapped(t, "Stalled", err, context.DeadlineExceeded)
}

func testRateLimited(t *testing.T, f Fixture) {
	if f.RateLimited == nil {
		t.Skip("the adapter has no backend that rate-limits")
	}
	_, err := f.RateLimited.Generate(t.Context(), Request())
	if !errors.Is(err, agents.ErrRateLimited) {
		t.Fatalf("a rate-limited call: %v, want an error wrapping agents.ErrRateLimited", err)
	}
	if errors.Is(err, agents.ErrBudgetExceeded) {
		t.Errorf("a rate-limited call is not a spent budget: %v", err)
	}
	wrapped(t, "RateLimited", err, agents.ErrRateLimited)
}

func testBroken(t *testing.T, f Fixture) {
	if f.Broken == nil {
		t.Skip("the adapter has no backend that can fail")
	}
	_, err := f.Broken.Generate(t.Context(), Request())
	if err == nil {
		t.Fatal("a failing backend gave no error")
	}
	for _, sentinel := range []error{agents.ErrRateLimited, agents.ErrBudgetExceeded, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, sentinel) {
			t.Errorf("a failing backend's error %q claims to be %q", err, sentinel)
		}
	}
}

func testBudgetSpent(t *testing.T, f Fixture) {
	if f.BudgetSpent == nil {
		t.Skip("the adapter has no budget")
	}
	_, err := f.BudgetSpent.Generate(t.Context(), Request())
	if !errors.Is(err, agents.ErrBudgetExceeded) {
		t.Fatalf("a call on a spent budget: %v, want an error wrapping agents.ErrBudgetExceeded", err)
	}
	if errors.Is(err, agents.ErrRateLimited) {
		t.Errorf("a spent budget is not a rate limit: %v", err)
	}
	wrapped(t, "BudgetSpent", err, agents.ErrBudgetExceeded)
}

// wrapped fails unless err says more than the sentinel it wraps.
func wrapped(t *testing.T, name string, err, sentinel error) {
	t.Helper()
	if err.Error() == sentinel.Error() {
		t.Errorf("%s: the error is the bare %q, not wrapped with what was refused", name, sentinel)
	}
}
