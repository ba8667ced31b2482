package eventbus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/transport/eventbus"
	"github.com/kpbot/kpbot/transport/eventbus/bustest"
)

func TestPostgresBusConformance(t *testing.T) {
	t.Parallel()
	dbs := bustest.OpenPostgres(t, 2)
	bustest.TestBus(t, func(t *testing.T) (events.Bus, events.Bus) {
		ch := bustest.PostgresChannel()
		return bustest.PostgresBus(t, dbs[0], ch), bustest.PostgresBus(t, dbs[1], ch)
	})
}

func TestNewPostgresBusValidates(t *testing.T) {
	t.Parallel()
	_, err := eventbus.NewPostgres(nil, "kpbot_events")
	assert.Error(t, err)
	db := bustest.OpenPostgres(t, 1)[0]
	_, err = eventbus.NewPostgres(db.Pool, "")
	assert.Error(t, err)
	_, err = eventbus.NewPostgres(db.Pool, strings.Repeat("c", 64))
	assert.Error(t, err)
}

// TestPostgresBusReconnects kills the listening connection's backend and
// checks the Bus listens again, tells subscribers they lagged, and
// delivers again.
func TestPostgresBusReconnects(t *testing.T) {
	t.Parallel()
	db := bustest.OpenPostgres(t, 1)[0]
	ch := bustest.PostgresChannel()
	b := bustest.PostgresBus(t, db, ch, eventbus.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
	notices, err := b.Subscribe(t.Context())
	require.NoError(t, err)
	ctx := context.Background()
	require.NoError(t, b.Publish(ctx, "run:r", 1))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 1}, next(t, notices))

	var killed int
	require.NoError(t, db.Pool.QueryRow(ctx,
		`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1`,
		`LISTEN "`+ch+`"`).Scan(&killed))
	require.Equal(t, 1, killed, "the one listening connection")

	assert.Equal(t, events.Notice{Lagged: true}, next(t, notices), "subscribers learn notices may be lost")
	require.NoError(t, b.Publish(ctx, "run:r", 2))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 2}, next(t, notices))
}

// TestPostgresBusIdlePingKeepsConnection: health-check timeouts while
// idle neither break the connection nor make subscribers lag.
func TestPostgresBusIdlePingKeepsConnection(t *testing.T) {
	t.Parallel()
	db := bustest.OpenPostgres(t, 1)[0]
	b := bustest.PostgresBus(t, db, bustest.PostgresChannel(), eventbus.WithHealthCheck(30*time.Millisecond))
	notices, err := b.Subscribe(t.Context())
	require.NoError(t, err)
	time.Sleep(300 * time.Millisecond) // about ten idle pings
	require.NoError(t, b.Publish(context.Background(), "run:r", 7))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 7}, next(t, notices), "no Lagged: the connection was kept")
}

// next returns the next Notice, failing after a few seconds.
func next(t *testing.T, ch <-chan events.Notice) events.Notice {
	t.Helper()
	select {
	case n, ok := <-ch:
		require.True(t, ok, "subscription closed")
		return n
	case <-time.After(10 * time.Second):
		require.FailNow(t, "no notice")
		return events.Notice{}
	}
}
