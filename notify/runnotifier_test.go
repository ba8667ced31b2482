package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// TestRunStoppedByBudgetNotifiesBudgetReached: from a task's error to the
// owner's notification, through a real Runner: the budget's identity
// survives (no message is parsed) and the owner comes with the event.
func TestRunStoppedByBudgetNotifiesBudgetReached(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t))
	sink, err := notify.NewRunNotifier(agents.NewRecorder(), e.svc)
	require.NoError(t, err)
	spent := fmt.Errorf("comment writer: draft: budget %q: 100 of 100 daily tokens used: %w", "camp", agents.ErrBudgetExceeded)
	r, err := agents.NewRunner(agents.Crew{Name: "budget", Tasks: []agents.Task{{Name: "drafting",
		Run: func(context.Context, *agents.TaskContext) error { return spent }}}},
		crewtest.NewRunStore(), sink, agents.RunnerConfig{})
	require.NoError(t, err)
	run, err := r.Create(t.Context(), agents.Brief{CampaignID: "camp", OwnerID: e.user.User.ID, Keywords: []string{"go"}})
	require.NoError(t, err)
	require.ErrorIs(t, r.Execute(t.Context(), run.ID), agents.ErrRunFailed)

	page, err := e.svc.List(t.Context(), e.user, notify.ListParams{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	n := page.Items[0]
	assert.Equal(t, notify.KindBudgetReached, n.Kind)
	var d notify.RunNotificationData
	require.NoError(t, json.Unmarshal(n.Data, &d))
	assert.Equal(t, run.ID, d.RunID)
	assert.Equal(t, agents.FailureBudget, d.FailureKind)
	assert.ErrorIs(t, d.Failure(), agents.ErrBudgetExceeded)
	assert.Contains(t, d.Error, "100 of 100 daily tokens used")
}
