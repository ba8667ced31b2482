package httpapi

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// storedRequests sums the stored requests of GET route over the last hour.
func storedRequests(t *testing.T, st *bunstore.Rollups, route string) uint64 {
	t.Helper()
	now := time.Now().Unix() / 60
	rows, err := st.Load(t.Context(), now-60, now+1)
	require.NoError(t, err)
	var n uint64
	for _, r := range rows {
		if r.Method == http.MethodGet && r.Route == route {
			n += r.Requests
		}
	}
	return n
}

// TestAnalyticsFlush: flushes save the running totals, a failed flush is
// retried by the next one without losing or doubling requests, and
// RunAnalytics flushes once more when it stops.
func TestAnalyticsFlush(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	store := bunstore.NewRollups(db)
	e := newTestServer(t, db, func(s *testSetup) { s.deps.Analytics = store })
	ctx := t.Context()

	for range 3 {
		require.Equal(t, http.StatusOK, e.do("GET", "/healthz", nil).status)
	}
	require.Eventually(t, func() bool {
		require.NoError(t, e.srv.FlushAnalytics(ctx))
		return storedRequests(t, store, "/healthz") == 3
	}, 10*time.Second, 10*time.Millisecond)

	// The store fails: the changed minutes wait for the next flush.
	_, err := db.ExecContext(ctx, "ALTER TABLE kpbot_http_rollups RENAME TO kpbot_http_rollups_away")
	require.NoError(t, err)
	for range 2 {
		require.Equal(t, http.StatusOK, e.do("GET", "/healthz", nil).status)
	}
	require.Eventually(t, func() bool {
		return rowRequests(e.srv, "/healthz") == 5
	}, 10*time.Second, 10*time.Millisecond)
	require.Error(t, e.srv.FlushAnalytics(ctx))
	_, err = db.ExecContext(ctx, "ALTER TABLE kpbot_http_rollups_away RENAME TO kpbot_http_rollups")
	require.NoError(t, err)
	require.NoError(t, e.srv.FlushAnalytics(ctx))
	assert.Equal(t, uint64(5), storedRequests(t, store, "/healthz"), "retried once, not doubled")
	require.NoError(t, e.srv.FlushAnalytics(ctx))
	assert.Equal(t, uint64(5), storedRequests(t, store, "/healthz"))

	// RunAnalytics saves what is left when it stops.
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); e.srv.RunAnalytics(runCtx) }()
	require.Equal(t, http.StatusOK, e.do("GET", "/healthz", nil).status)
	require.Eventually(t, func() bool { return rowRequests(e.srv, "/healthz") == 6 }, 10*time.Second, 10*time.Millisecond)
	stop()
	<-done
	assert.Equal(t, uint64(6), storedRequests(t, store, "/healthz"))
}

// rowRequests is this instance's in-memory count of GET route.
func rowRequests(s *Server, route string) uint64 {
	for _, r := range s.metrics.analytics.snapshot(time.Hour).routes {
		if r.Method == http.MethodGet && r.Route == route {
			return r.Requests
		}
	}
	return 0
}
