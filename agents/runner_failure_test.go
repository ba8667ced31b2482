package agents_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
)

// TestRunFailureKeepsTheErrorIdentity: the error a task fails on is
// classified by its identity, stored on the run with its owner-bearing
// run.failed event, and errors.Is still matches it after a reload.
func TestRunFailureKeepsTheErrorIdentity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err      error
		kind     agents.FailureKind
		sentinel error
	}{
		{fmt.Errorf("comment writer: budget %q: %w", "c", agents.ErrBudgetExceeded), agents.FailureBudget, agents.ErrBudgetExceeded},
		{fmt.Errorf("generate: %w", agents.ErrRateLimited), agents.FailureLLMUnavailable, agents.ErrLLMUnavailable},
		{fmt.Errorf("blog researcher: %w", agents.ErrNoSources), agents.FailureResearch, agents.ErrNoSources},
		// A message that merely mentions the budget is not the budget.
		{fmt.Errorf("disk full (%s)", agents.ErrBudgetExceeded.Error()), agents.FailureInternal, agents.ErrRunFailed},
	}
	for _, c := range cases {
		t.Run(string(c.kind), func(t *testing.T) {
			t.Parallel()
			store, events := crewtest.NewRunStore(), agents.NewRecorder()
			r, err := agents.NewRunner(agents.Crew{Name: "f", Tasks: []agents.Task{{Name: "work",
				Run: func(context.Context, *agents.TaskContext) error { return c.err }}}}, store, events, agents.RunnerConfig{})
			require.NoError(t, err)
			run, err := r.Create(t.Context(), agents.Brief{CampaignID: "camp", OwnerID: "owner", Keywords: []string{"k"}})
			require.NoError(t, err)
			require.ErrorIs(t, r.Execute(t.Context(), run.ID), agents.ErrRunFailed)

			got, err := store.Get(t.Context(), run.ID)
			require.NoError(t, err)
			assert.Equal(t, c.kind, got.FailureKind)
			assert.ErrorIs(t, got.Failure(), c.sentinel)
			assert.Contains(t, got.Error, c.err.Error())

			ev, err := events.Wait(t.Context(), run.ID, agents.EventRunFailed)
			require.NoError(t, err)
			d, ok := ev.Data.(agents.RunEventData)
			require.True(t, ok, "%T", ev.Data)
			assert.Equal(t, "owner", d.OwnerID, "the event carries the run's owner")
			assert.Equal(t, c.kind, d.FailureKind)
			assert.ErrorIs(t, d.Failure(), c.sentinel)
		})
	}
}

// TestCancelAndFailSetTheirKind: a cancel is FailureCancelled, a job
// queue giving up FailureInternal; both events carry the owner.
func TestCancelAndFailSetTheirKind(t *testing.T) {
	t.Parallel()
	store, events := crewtest.NewRunStore(), agents.NewRecorder()
	r, err := agents.NewRunner(agents.Crew{Name: "f", Tasks: []agents.Task{{Name: "work",
		Run: func(context.Context, *agents.TaskContext) error { return nil }}}}, store, events, agents.RunnerConfig{})
	require.NoError(t, err)
	brief := agents.Brief{CampaignID: "camp", OwnerID: "owner", Keywords: []string{"k"}}
	a, err := r.Create(t.Context(), brief)
	require.NoError(t, err)
	b, err := r.Create(t.Context(), brief)
	require.NoError(t, err)

	cancelled, err := r.Cancel(t.Context(), a.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.FailureCancelled, cancelled.FailureKind)
	assert.ErrorIs(t, cancelled.Failure(), agents.ErrRunCancelled)
	failed, err := r.Fail(t.Context(), b.ID, "gave up after 5 attempts")
	require.NoError(t, err)
	assert.Equal(t, agents.FailureInternal, failed.FailureKind)

	for id, name := range map[string]string{a.ID: agents.EventRunCancelled, b.ID: agents.EventRunFailed} {
		ev, err := events.Wait(t.Context(), id, name)
		require.NoError(t, err)
		d := ev.Data.(agents.RunEventData)
		assert.Equal(t, "owner", d.OwnerID)
		assert.NotEqual(t, agents.FailureNone, d.FailureKind)
	}
	got, err := store.Get(t.Context(), b.ID)
	require.NoError(t, err)
	assert.Equal(t, agents.FailureInternal, got.FailureKind)
}

// TestCountFeedsStepAndRun: one Count call counts a figure in the step's
// stats and, for a run figure, in the run's Stats; a step-only counter
// stays in the step.
func TestCountFeedsStepAndRun(t *testing.T) {
	t.Parallel()
	store := crewtest.NewRunStore()
	r, err := agents.NewRunner(agents.Crew{Name: "c", Tasks: []agents.Task{{Name: "work",
		Run: func(_ context.Context, tc *agents.TaskContext) error {
			tc.Count(agents.CountProspects, 2)
			tc.Count(agents.CountProspects, 1)
			tc.Count(agents.CountLanguageUnsupported, 1)
			tc.Count(agents.CountSkipped, 2)
			tc.Count(agents.CountBelowBar, 4)
			return nil
		}}}}, store, agents.NewRecorder(), agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := r.Create(t.Context(), agents.Brief{CampaignID: "camp", OwnerID: "owner", Keywords: []string{"k"}})
	require.NoError(t, err)
	require.NoError(t, r.Execute(t.Context(), run.ID))
	got, err := store.Get(t.Context(), run.ID)
	require.NoError(t, err)
	assert.Equal(t, map[string]int{"prospects": 3, "language_unsupported": 1, "skipped": 2, "below_bar": 4}, got.Steps[0].Stats)
	assert.Equal(t, 3, got.Stats.Prospects)
	assert.Equal(t, 3, got.Stats.DraftsSkipped, "skipped and language_unsupported")
	assert.Equal(t, 1, got.Stats.DraftsSkippedLanguage)
	assert.Equal(t, agents.FailureNone, got.FailureKind)
	assert.NoError(t, got.Failure())
}
