package realtime_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/transport/eventbus/bustest"
	"github.com/kpbot/kpbot/transport/realtime"
)

// TestHubTwoInstancesOnePostgres runs two kpbot instances in one process
// on one PostgreSQL database, each with its own pool, hub and
// PostgresBus: a client on B sees, in order, the events of a run that A
// publishes (on the run and the campaign topics), and logging out through
// A closes B's socket of that session with 4401.
func TestHubTwoInstancesOnePostgres(t *testing.T) {
	t.Parallel()
	dbs := bustest.OpenPostgres(t, 2)
	require.NoError(t, bunstore.Migrate(context.Background(), dbs[0].Bun))
	channel := bustest.PostgresChannel()
	a := newInstance(t, dbs[0].Bun, withBus(bustest.PostgresBus(t, dbs[0], channel)))
	b := newInstance(t, dbs[1].Bun, withBus(bustest.PostgresBus(t, dbs[1], channel)))

	owner := a.newUser(auth.RoleUser) // registered, and its session lives, through A
	camp := a.newCampaign(owner)
	run := a.newRun(owner, camp)
	rt, ct := "run:"+run, "campaign:"+camp

	c := b.dial(owner.token)
	subscribe(t, c, nil, rt)
	subscribe(t, c, ptr(int64(0)), ct)
	readType(t, c, "subscribed", 5*time.Second)

	const n = 40
	names := []string{events.RunQueued, events.RunStarted}
	for range n - 3 {
		names = append(names, events.RunProgress)
	}
	names = append(names, events.RunSucceeded)
	go func() {
		for i, name := range names {
			a.publish(name, map[string]int{"step": i}, rt, ct)
		}
	}()
	gotRun, gotCamp := []msg{}, []msg{}
	deadline := time.Now().Add(30 * time.Second)
	for len(gotRun) < n || len(gotCamp) < n {
		m, err := tryRead(c, time.Until(deadline))
		require.NoError(t, err, "run %d/%d, campaign %d/%d", len(gotRun), n, len(gotCamp), n)
		switch {
		case m.Type == "event" && m.Topic == rt:
			gotRun = append(gotRun, m)
		case m.Type == "event" && m.Topic == ct:
			gotCamp = append(gotCamp, m)
		}
	}
	requireSeqs(t, gotRun, 1, n)
	requireSeqs(t, gotCamp, 1, n)
	for i, m := range gotRun {
		assert.Equal(t, names[i], m.Event)
		assert.JSONEq(t, string(gotCamp[i].Data), string(m.Data))
	}

	// Logout on A; B's periodic session check sees the shared database.
	require.NoError(t, a.auth.Logout(context.Background(), owner.p, ""))
	code, took := expectClose(t, c, 10*time.Second)
	assert.Equal(t, realtime.CloseUnauthorized, code)
	assert.Less(t, took, 3*time.Second)
}
