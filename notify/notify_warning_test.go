package notify_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// TestRunWarningNotifiesOwner: run.warning is forwarded and tells the
// campaign's owner why the run found nothing, with the counts by cause.
func TestRunWarningNotifiesOwner(t *testing.T) {
	t.Parallel()
	e := newEnv(t, dbtest.SQLite(t))
	var forwarded []string
	next := sinkFunc(func(_ context.Context, _, _, name string, _ any) error {
		forwarded = append(forwarded, name)
		return nil
	})
	sink, err := notify.NewRunNotifier(next, e.svc)
	require.NoError(t, err)
	stats := agents.Stats{PostsDiscovered: 3, FetchFailures: 3, FetchFailuresByReason: map[string]int{"not_found": 3}}
	warn := "every post fetch failed: 3 posts (3 not_found)"
	require.NoError(t, sink.Emit(t.Context(), "run-w", "camp-w", agents.EventRunWarning,
		agents.RunWarningData{RunID: "run-w", OwnerID: e.user.User.ID, Warnings: []string{warn}, Stats: stats}))
	assert.Equal(t, []string{agents.EventRunWarning}, forwarded)

	page, err := e.svc.List(t.Context(), e.user, notify.ListParams{})
	require.NoError(t, err)
	require.Len(t, page.Items, 1)
	n := page.Items[0]
	assert.Equal(t, notify.KindRunWarning, n.Kind)
	assert.Contains(t, n.Body, "3 not_found")
	var d notify.RunNotificationData
	require.NoError(t, json.Unmarshal(n.Data, &d))
	assert.Equal(t, []string{warn}, d.Warnings)
	assert.Equal(t, map[string]int{"not_found": 3}, d.Stats.FetchFailuresByReason)
}
