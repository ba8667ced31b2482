package realtime_test

import (
	"context"
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/storage/postgres"
	"github.com/kpbot/kpbot/transport/realtime"
	"github.com/kpbot/kpbot/transport/realtime/bustest"
)

// openPostgres opens n pools on one fresh PostgreSQL schema, as n
// instances would; it skips when KPBOT_TEST_POSTGRES_DSN is unset.
func openPostgres(t *testing.T, n int) []*postgres.DB {
	t.Helper()
	dsn := dbtest.PostgresDSN(t)
	dbs := make([]*postgres.DB, n)
	for i := range dbs {
		db, err := postgres.Open(context.Background(), dsn, storage.PoolConfig{MaxOpenConns: 6, MaxIdleConns: 2})
		require.NoError(t, err)
		t.Cleanup(db.Close)
		dbs[i] = db
	}
	return dbs
}

// pgChannel returns a fresh notification channel name: channels are
// global to the database, so each test needs its own.
func pgChannel() string { return "kpbot_test_" + strings.ToLower(rand.Text()) }

func newPGBus(t *testing.T, db *postgres.DB, channel string, opts ...realtime.BusOption) *realtime.PostgresBus {
	t.Helper()
	b, err := realtime.NewPostgresBus(db.Pool, channel, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = b.Close() }) // before the pool closes
	return b
}

func TestPostgresBusConformance(t *testing.T) {
	t.Parallel()
	dbs := openPostgres(t, 2)
	bustest.TestBus(t, func(t *testing.T) (events.Bus, events.Bus) {
		ch := pgChannel()
		return newPGBus(t, dbs[0], ch), newPGBus(t, dbs[1], ch)
	})
}

func TestNewPostgresBusValidates(t *testing.T) {
	t.Parallel()
	_, err := realtime.NewPostgresBus(nil, "kpbot_events")
	assert.Error(t, err)
	db := openPostgres(t, 1)[0]
	_, err = realtime.NewPostgresBus(db.Pool, "")
	assert.Error(t, err)
	_, err = realtime.NewPostgresBus(db.Pool, strings.Repeat("c", 64))
	assert.Error(t, err)
}

// TestPostgresBusReconnects kills the listening connection's backend and
// checks the Bus listens again, tells subscribers they lagged, and
// delivers again.
func TestPostgresBusReconnects(t *testing.T) {
	t.Parallel()
	db := openPostgres(t, 1)[0]
	ch := pgChannel()
	b := newPGBus(t, db, ch, realtime.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
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
	db := openPostgres(t, 1)[0]
	b := newPGBus(t, db, pgChannel(), realtime.WithHealthCheck(30*time.Millisecond))
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
