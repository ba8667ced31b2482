package realtime_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/realtime"
)

// collectEvents reads event messages of topic until one with seq last
// arrives, failing on a close or after timeout.
func collectEvents(t testing.TB, c *websocket.Conn, topic string, last int64, timeout time.Duration) []msg {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got []msg
	for {
		m, err := tryRead(c, time.Until(deadline))
		require.NoError(t, err, "got %d events of %s, wanted up to seq %d", len(got), topic, last)
		if m.Type != "event" || m.Topic != topic {
			continue
		}
		got = append(got, m)
		if m.Seq >= last {
			return got
		}
	}
}

func requireSeqs(t testing.TB, got []msg, from, to int64) {
	t.Helper()
	seqs := make([]int64, len(got))
	for i, m := range got {
		seqs[i] = m.Seq
	}
	want := make([]int64, 0, to-from+1)
	for s := from; s <= to; s++ {
		want = append(want, s)
	}
	require.Equal(t, want, seqs, "exactly %d..%d, in order, no gap, no duplicate", from, to)
}

// TestWSReplayRacesLive is the property of the contract: a publisher
// appends N events while a client subscribes with since=k; the client
// sees exactly k+1..N in order, whatever the interleaving.
func TestWSReplayRacesLive(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		testReplayRacesLive(t, dbtest.SQLite(t))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		testReplayRacesLive(t, dbtest.Postgres(t).Bun)
	})
}

func testReplayRacesLive(t *testing.T, db *bun.DB) {
	in := newInstance(t, db, withHub(func(c *realtime.HubConfig) { c.ReplayPage = 7 }))
	u := in.newUser(auth.RoleUser)
	const n = 60
	for iter := range 8 {
		camp := in.newCampaign(u)
		topic := "campaign:" + camp
		k := int64(rand.IntN(n / 2))
		head := rand.IntN(n / 2) // published before the client subscribes
		for i := range head {
			in.publish(events.RunProgress, map[string]int{"i": i}, topic)
		}
		c := in.dial(u.token)
		var wg sync.WaitGroup
		wg.Go(func() {
			for i := head; i < n; i++ {
				in.publish(events.RunProgress, map[string]int{"i": i}, topic)
				if i%5 == 0 {
					time.Sleep(time.Millisecond)
				}
			}
		})
		subscribe(t, c, &k, topic)
		got := collectEvents(t, c, topic, n, 20*time.Second)
		wg.Wait()
		requireSeqs(t, got, k+1, n)
		var d map[string]int
		require.NoError(t, json.Unmarshal(got[0].Data, &d))
		assert.Equal(t, int(k), d["i"], "iteration %d: the data is the stored event's", iter)
		_, err := tryRead(c, 200*time.Millisecond)
		assert.Error(t, err, "iteration %d: nothing after seq %d", iter, n)
		_ = c.CloseNow()
	}
}

// TestWSLiveOnlyAndRunTopics: without since only new events arrive; a
// run's events come on run:<id> and on campaign:<id>, each with its seq.
func TestWSLiveOnlyAndRunTopics(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t))
	u := in.newUser(auth.RoleUser)
	camp := in.newCampaign(u)
	run := in.newRun(u, camp)
	ct, rt := "campaign:"+camp, "run:"+run
	in.publish(events.RunQueued, nil, ct) // before the subscription: not sent
	c := in.dial(u.token)
	subscribe(t, c, nil, rt, ct)
	assert.Equal(t, msg{Type: "subscribed", Topic: rt, Seq: 0}, read(t, c, 5*time.Second))
	assert.Equal(t, msg{Type: "subscribed", Topic: ct, Seq: 1}, read(t, c, 5*time.Second))
	in.publish(events.RunStarted, map[string]string{"run_id": run}, rt, ct)
	in.publish(events.RunSucceeded, map[string]string{"run_id": run}, rt, ct)
	gotRun, gotCamp := []msg{}, []msg{}
	for len(gotRun) < 2 || len(gotCamp) < 2 {
		m := read(t, c, 5*time.Second)
		switch m.Topic {
		case rt:
			gotRun = append(gotRun, m)
		case ct:
			gotCamp = append(gotCamp, m)
		}
	}
	requireSeqs(t, gotRun, 1, 2)
	requireSeqs(t, gotCamp, 2, 3)
	assert.Equal(t, events.RunStarted, gotRun[0].Event)
	assert.Equal(t, events.RunSucceeded, gotCamp[1].Event)
	assert.JSONEq(t, `{"run_id":"`+run+`"}`, string(gotRun[1].Data))
	assert.False(t, gotRun[0].At.IsZero())

	send(t, c, map[string]any{"type": "unsubscribe", "topics": []string{rt}})
	assert.Equal(t, msg{Type: "unsubscribed", Topic: rt}, readType(t, c, "unsubscribed", 5*time.Second))
	in.publish(events.RunProgress, nil, rt, ct)
	m := readType(t, c, "event", 5*time.Second)
	assert.Equal(t, ct, m.Topic, "the unsubscribed topic is not sent")
	assert.EqualValues(t, 4, m.Seq)
}

// TestWSForbiddenTopics: others' campaigns, runs and user topics are
// refused with forbidden, the allowed topics of the same message stay
// subscribed; a moderator may follow any campaign.
func TestWSForbiddenTopics(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t))
	alice, bob, mod := in.newUser(auth.RoleUser), in.newUser(auth.RoleUser), in.newUser(auth.RoleModerator)
	aliceCamp, bobCamp := in.newCampaign(alice), in.newCampaign(bob)
	aliceRun := in.newRun(alice, aliceCamp)

	c := in.dial(bob.token)
	topics := []string{"campaign:" + aliceCamp, "user", "run:" + aliceRun, "user:" + alice.p.User.ID,
		"campaign:" + bobCamp, "campaign:does-not-exist"}
	subscribe(t, c, nil, topics...)
	byTopic := map[string]msg{}
	for range topics {
		m := read(t, c, 5*time.Second)
		byTopic[m.Topic] = m
	}
	for _, forbidden := range []string{"campaign:" + aliceCamp, "run:" + aliceRun, "user:" + alice.p.User.ID, "campaign:does-not-exist"} {
		m := byTopic[forbidden]
		assert.Equal(t, "error", m.Type, forbidden)
		assert.Equal(t, realtime.CodeForbidden, m.Code, forbidden)
	}
	assert.Equal(t, "subscribed", byTopic["user"].Type)
	assert.Equal(t, "subscribed", byTopic["campaign:"+bobCamp].Type)

	in.publish(events.RunProgress, nil, "campaign:"+aliceCamp)
	in.publish(events.RunProgress, nil, "campaign:"+bobCamp)
	m := readType(t, c, "event", 5*time.Second)
	assert.Equal(t, "campaign:"+bobCamp, m.Topic, "only the allowed topic's events arrive")

	mc := in.dial(mod.token)
	subscribe(t, mc, ptr(int64(0)), "campaign:"+aliceCamp, "run:"+aliceRun)
	seen := map[string]string{}
	for len(seen) < 3 {
		m := read(t, mc, 5*time.Second)
		seen[m.Type+" "+m.Topic] = m.Code
	}
	assert.Equal(t, map[string]string{"subscribed campaign:" + aliceCamp: "", "subscribed run:" + aliceRun: "",
		"event campaign:" + aliceCamp: ""}, seen, "moderators read every campaign and run")
}

// TestWSSlowClientDropped: a client that stops reading is closed as too
// slow once a write to it cannot finish within WriteTimeout, while a fast
// client on the same topic receives every event (pages of events larger
// than its send queue make it catch up from the Log, never drop it) and
// the publisher never waits.
func TestWSSlowClientDropped(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t), withHub(func(c *realtime.HubConfig) {
		c.SendQueue = 8
		c.WriteTimeout = 2 * time.Second
	}))
	u := in.newUser(auth.RoleUser)
	topic := "campaign:" + in.newCampaign(u)
	fast, slow := in.dial(u.token), in.dial(u.token)
	subscribe(t, fast, nil, topic)
	subscribe(t, slow, nil, topic)
	readType(t, fast, "subscribed", 5*time.Second)
	readType(t, slow, "subscribed", 5*time.Second)

	const n = 150
	big := strings.Repeat("x", 128<<10) // 128 KiB per event: kernel buffers fill fast
	var fastGot []msg
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		fastGot = collectEvents(t, fast, topic, n, 60*time.Second)
	}()
	start := time.Now()
	for i := range n {
		in.publish(events.RunProgress, map[string]any{"i": i, "pad": big}, topic)
	}
	publishTook := time.Since(start)
	<-readDone
	requireSeqs(t, fastGot, 1, n)

	// The slow client's writer is stuck on full kernel buffers; after
	// WriteTimeout it is dropped.
	require.Eventually(t, func() bool { return metric(t, in, "kpbot_ws_slow_clients_dropped_total") == 1 },
		15*time.Second, 50*time.Millisecond, "the client that does not read is dropped as too slow")
	// The slow client now reads: some events, then the close.
	var code websocket.StatusCode
	for {
		m, err := tryRead(slow, 20*time.Second)
		if err != nil {
			code = websocket.CloseStatus(err)
			break
		}
		require.Equal(t, "event", m.Type)
	}
	assert.Contains(t, []websocket.StatusCode{realtime.CloseTooSlow, -1}, code,
		"closed as too slow (4008), or cut after the close frame could not be written")
	assert.InDelta(t, 1, metric(t, in, "kpbot_ws_slow_clients_dropped_total"), 0)
	t.Logf("publishing %d events of 128 KiB took %v; slow client closed with %d", n, publishTook, code)
}

// TestWSReconnectResume: a client reads part of a topic, disconnects,
// misses events, reconnects with since=<last seen> and gets exactly the
// rest.
func TestWSReconnectResume(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t))
	u := in.newUser(auth.RoleUser)
	topic := "campaign:" + in.newCampaign(u)
	c := in.dial(u.token)
	subscribe(t, c, ptr(int64(0)), topic)
	for i := range 5 {
		in.publish(events.ProspectFound, map[string]int{"i": i}, topic)
	}
	first := collectEvents(t, c, topic, 5, 5*time.Second)
	requireSeqs(t, first, 1, 5)
	require.NoError(t, c.Close(websocket.StatusNormalClosure, "bye"))
	for i := 5; i < 12; i++ {
		in.publish(events.ProspectFound, map[string]int{"i": i}, topic)
	}
	c2 := in.dial(u.token)
	subscribe(t, c2, ptr(first[len(first)-1].Seq), topic)
	sub := read(t, c2, 5*time.Second)
	assert.Equal(t, msg{Type: "subscribed", Topic: topic, Seq: 12}, sub)
	in.publish(events.ProspectFound, map[string]int{"i": 12}, topic)
	rest := collectEvents(t, c2, topic, 13, 5*time.Second)
	requireSeqs(t, rest, 6, 13)
}

// TestWSShutdownAndMetrics: the open-connections gauge follows the
// sockets, and Close sends 1001 to each.
func TestWSShutdownAndMetrics(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t))
	u := in.newUser(auth.RoleUser)
	a, b := in.dial(u.token), in.dial(u.token)
	for _, c := range []*websocket.Conn{a, b} {
		send(t, c, map[string]string{"type": "ping"})
		read(t, c, 5*time.Second)
	}
	assert.Equal(t, 2, in.hub.Connections())
	assert.InDelta(t, 2, metric(t, in, "kpbot_ws_connections"), 0)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- in.hub.Close(ctx) }()
	for _, c := range []*websocket.Conn{a, b} {
		code, _ := expectClose(t, c, 5*time.Second)
		assert.Equal(t, websocket.StatusGoingAway, code)
	}
	require.NoError(t, <-done)
	assert.Zero(t, in.hub.Connections())
	assert.InDelta(t, 0, metric(t, in, "kpbot_ws_connections"), 0)
	_, res, err := in.tryDial(u.token, nil)
	require.Error(t, err)
	require.NotNil(t, res)
	assert.Equal(t, 503, res.StatusCode, "no new sockets after Close")
}

// metric finds one of the hub's collectors by name on the instance's
// registry.
func metric(t testing.TB, in *instance, name string) float64 {
	t.Helper()
	mfs, err := in.reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return sumMetric(mf)
		}
	}
	require.FailNow(t, fmt.Sprintf("metric %s not registered", name))
	return 0
}

// TestWSFanOutToManySockets: a burst reaches every one of many sockets
// whole and in order, whether the hub coalesces the burst (the default)
// or sends each event as it comes; the fan-out spreads its writes over
// several goroutines.
func TestWSFanOutToManySockets(t *testing.T) {
	t.Parallel()
	for name, coalesce := range map[string]time.Duration{"coalesced": 0, "not coalesced": -1} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			in := newInstance(t, dbtest.SQLite(t), withHub(func(c *realtime.HubConfig) {
				c.MaxSocketsPerUser = -1
				c.Coalesce = coalesce
			}))
			u := in.newUser(auth.RoleUser)
			ct := "campaign:" + in.newCampaign(u)
			conns := make([]*websocket.Conn, 150)
			for i := range conns {
				conns[i] = in.dial(u.token)
				subscribe(t, conns[i], nil, ct)
				require.Equal(t, "subscribed", read(t, conns[i], 5*time.Second).Type)
			}
			const burst = 30
			for i := range burst {
				in.publish(events.RunProgress, map[string]int{"i": i}, ct)
			}
			var wg sync.WaitGroup
			for _, c := range conns {
				wg.Go(func() { requireSeqs(t, collectEvents(t, c, ct, burst, 10*time.Second), 1, burst) })
			}
			wg.Wait()
		})
	}
}

// TestTopicRightsUnknown: when the rights on a topic cannot be checked (a
// database down), the socket is told to retry (internal), not that the
// topic is forbidden, and GET /api/events answers 500, not 403.
func TestTopicRightsUnknown(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t), withRunCheck(func(context.Context, *auth.Principal, string) error {
		return errors.New("database down")
	}))
	u := in.newUser(auth.RoleUser)
	camp := in.newCampaign(u)
	run := in.newRun(u, camp)
	c := in.dial(u.token)
	subscribe(t, c, nil, "run:"+run, "campaign:"+camp)
	byTopic := map[string]msg{}
	for range 2 {
		m := read(t, c, 5*time.Second)
		byTopic[m.Topic] = m
	}
	assert.Equal(t, "error", byTopic["run:"+run].Type)
	assert.Equal(t, realtime.CodeInternal, byTopic["run:"+run].Code)
	assert.Equal(t, "subscribed", byTopic["campaign:"+camp].Type, "the other topic is not affected")

	assert.Equal(t, http.StatusInternalServerError, in.call(u, http.MethodGet, "/api/events?topic=run:"+run, nil))
	assert.Equal(t, http.StatusOK, in.call(u, http.MethodGet, "/api/events?topic=campaign:"+camp, nil))
}
