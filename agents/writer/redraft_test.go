package writer_test

import (
	"context"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/reviewer"
	"github.com/kpbot/kpbot/agents/writer"
)

// scriptLLM is an in-process agents.LLM (the writer talks to the port,
// no HTTP involved) that answers each call with the next text of its
// script, the last one over and over, and records the requests.
type scriptLLM struct {
	mu     sync.Mutex
	script []string
	reqs   []agents.GenerateRequest
}

func (s *scriptLLM) Generate(_ context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, req)
	text := s.script[min(len(s.reqs), len(s.script))-1]
	return agents.GenerateResponse{Content: text, Model: "script",
		Usage: agents.Usage{PromptTokens: 10, CompletionTokens: 20, TotalTokens: 30}}, nil
}

const (
	// firstDraft is what the writer wrote knowing no other draft; taken
	// is another draft of the run, nearly the same.
	firstDraft = "The partial index on pending rows is the part I would copy first, since SKIP LOCKED otherwise walks every finished job. Did you try partitioning the queue table by day, so old jobs go away with a DROP?"
	taken      = "The partial index on pending rows is the part I would copy first, since SKIP LOCKED otherwise walks every finished job. Did you try partitioning the queue table by week, so old jobs go away with a DROP?"
	// otherPoint is a rewrite about another point of the post.
	otherPoint = "Running PgBouncer in transaction mode to keep connections flat during the test is a detail many write-ups skip. How many pooled connections did the nightly batch end up needing at its peak?"
)

var redraftBrief = agents.Brief{CampaignID: "c", OwnerID: "o", Keywords: []string{"postgres"}, Language: "any"}

// prevDraft is the draft the crew found a near-copy when storing it.
func prevDraft(t *testing.T, attempts int) agents.DraftResult {
	t.Helper()
	w, err := writer.New(&scriptLLM{script: []string{firstDraft}}, writer.Config{})
	require.NoError(t, err)
	d, err := w.Draft(t.Context(), redraftBrief, hostilePost, nil)
	require.NoError(t, err)
	require.True(t, d.Passed, "alone, the first draft passes: %v", d.Reasons)
	require.Equal(t, 1, d.Attempts)
	require.True(t, w.NearCopy(redraftBrief, d.Body, []string{taken}), "the first draft is a near-copy of the other")
	d.Attempts = attempts
	return d
}

// TestRedraftRetriesWithTheNearCopyReasons: a near-copy is rewritten as a
// retry of the draft: one model call, told it is attempt prev.Attempts
// and why the draft was refused; the result counts both attempts and
// both calls' usage.
func TestRedraftRetriesWithTheNearCopyReasons(t *testing.T) {
	t.Parallel()
	for _, attempts := range []int{1, 3} {
		prev := prevDraft(t, attempts)
		llm := &scriptLLM{script: []string{otherPoint}}
		w, err := writer.New(llm, writer.Config{})
		require.NoError(t, err)
		d, err := w.Redraft(t.Context(), redraftBrief, hostilePost, []string{taken}, prev)
		require.NoError(t, err)

		require.Len(t, llm.reqs, 1, "one model call: the retry")
		pc := llm.reqs[0].Post
		require.NotNil(t, pc)
		assert.Equal(t, attempts, pc.Attempt, "numbered on from the draft's attempts")
		require.NotEmpty(t, pc.Feedback)
		assert.Contains(t, pc.Feedback[0], "similar to another draft of the campaign")
		assert.Contains(t, llm.reqs[0].Messages[0].Content, "was refused by the reviewer", "the prompt says it is a retry")

		assert.Equal(t, otherPoint, d.Body)
		assert.True(t, d.Passed, "%v", d.Reasons)
		assert.Empty(t, d.Flags)
		assert.Equal(t, attempts+1, d.Attempts)
		assert.Equal(t, prev.Usage.TotalTokens+30, d.Usage.TotalTokens, "prev's usage and the retry's")
		assert.Equal(t, hostilePost.Key(), d.ProspectKey)
	}
}

// TestRedraftKeepsANearCopyThatFailsTwice: a retry that is a near-copy
// again ends the retries (the same check failed twice) however many are
// allowed, and the draft is kept with its flags.
func TestRedraftKeepsANearCopyThatFailsTwice(t *testing.T) {
	t.Parallel()
	prev := prevDraft(t, 1)
	llm := &scriptLLM{script: []string{taken, otherPoint}}
	w, err := writer.New(llm, writer.Config{MaxRetries: 5})
	require.NoError(t, err)
	d, err := w.Redraft(t.Context(), redraftBrief, hostilePost, []string{taken}, prev)
	require.NoError(t, err)
	assert.Len(t, llm.reqs, 1, "no retry after the same check failed twice")
	assert.False(t, d.Passed)
	assert.Contains(t, d.Flags, reviewer.FlagNearDuplicate)
	assert.NotEmpty(t, d.Reasons)
	assert.Equal(t, 2, d.Attempts)
}

// TestRedraftMakesOneAttemptWithoutRetries: a writer allowed no retries
// still rewrites a near-copy once (the draft was never reviewed against
// the run's drafts); a draft that is no near-copy costs no call.
func TestRedraftMakesOneAttemptWithoutRetries(t *testing.T) {
	t.Parallel()
	prev := prevDraft(t, 1)
	llm := &scriptLLM{script: []string{otherPoint}}
	w, err := writer.New(llm, writer.Config{MaxRetries: -1})
	require.NoError(t, err)
	d, err := w.Redraft(t.Context(), redraftBrief, hostilePost, []string{taken}, prev)
	require.NoError(t, err)
	assert.Len(t, llm.reqs, 1)
	assert.True(t, d.Passed, "%v", d.Reasons)
	assert.Equal(t, 2, d.Attempts)

	same, err := w.Redraft(t.Context(), redraftBrief, hostilePost, []string{otherPoint}, prev)
	require.NoError(t, err)
	assert.Len(t, llm.reqs, 1, "prev passes against these drafts: no call")
	assert.Equal(t, prev.Body, same.Body)
	assert.Equal(t, 1, same.Attempts)
	assert.True(t, same.Passed)
}
