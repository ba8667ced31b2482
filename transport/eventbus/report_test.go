package eventbus_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/report"
	"github.com/kpbot/kpbot/transport/eventbus"
	"github.com/kpbot/kpbot/transport/eventbus/bustest"
)

// recordingReporter keeps the events reported to it.
type recordingReporter struct {
	mu     sync.Mutex
	events []report.Event
}

func (r *recordingReporter) Report(_ context.Context, ev report.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev)
}

func (r *recordingReporter) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var m []string
	for _, ev := range r.events {
		m = append(m, ev.Message)
	}
	return m
}

// TestPostgresBusReportsFailures: a lost listening connection and a
// malformed notification are each reported once, with the channel.
func TestPostgresBusReportsFailures(t *testing.T) {
	t.Parallel()
	db := bustest.OpenPostgres(t, 1)[0]
	ch := bustest.PostgresChannel()
	rec := &recordingReporter{}
	b := bustest.PostgresBus(t, db, ch, eventbus.WithReporter(rec), eventbus.WithReconnectBackoff(20*time.Millisecond, 200*time.Millisecond))
	notices, err := b.Subscribe(t.Context())
	require.NoError(t, err)
	ctx := context.Background()

	_, err = db.Pool.Exec(ctx, `SELECT pg_notify($1, 'not a notice')`, ch)
	require.NoError(t, err)
	require.NoError(t, b.Publish(ctx, "run:r", 1))
	assert.Equal(t, events.Notice{Topic: "run:r", Seq: 1}, next(t, notices), "the bad payload is skipped")
	assert.Equal(t, []string{"postgres bus: ignoring malformed notification"}, rec.messages())

	var killed int
	require.NoError(t, db.Pool.QueryRow(ctx,
		`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE query = $1`,
		`LISTEN "`+ch+`"`).Scan(&killed))
	require.Equal(t, 1, killed)
	assert.Equal(t, events.Notice{Lagged: true}, next(t, notices))
	msgs := rec.messages()
	require.Len(t, msgs, 2, "the lost connection is reported once")
	assert.Equal(t, "postgres bus: listening connection lost; reconnecting", msgs[1])
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for _, ev := range rec.events {
		assert.Equal(t, "bus:"+ch, ev.Route)
		assert.Error(t, ev.Err)
		assert.NotEmpty(t, ev.ErrorID)
	}
}
