// Package bustest is the conformance suite every events.Bus adapter runs,
// like Watermill's pubsub/tests: an adapter's own test calls TestBus with
// a constructor.
package bustest

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
)

// wait bounds every wait for a Notice; cross-instance adapters on a busy
// machine need a while.
const wait = 10 * time.Second

// TestBus runs every scenario against buses from newBus, which is called
// once per scenario and returns a publishing and a subscribing handle: two
// connections (two instances) for a cross-instance adapter, or the same
// Bus twice for an in-process one. The suite closes both when the
// scenario ends (Close must be idempotent). Each call should use a channel
// of its own, or at least tolerate other scenarios' Notices: every
// scenario uses topics of its own and ignores the rest.
//
// Adapters must be built with a per-subscription buffer of at least 256
// and less than 3000 Notices (DefaultBuffer-like sizes), since scenarios
// publish 200 Notices expecting none dropped, and 3000 expecting a slow
// subscriber to lag.
func TestBus(t *testing.T, newBus func(t *testing.T) (pub, sub events.Bus)) {
	t.Helper()
	t.Run("NoGoroutineLeftAfterClose", func(t *testing.T) { testNoLeak(t, newBus) })
	scenarios := []struct {
		name string
		fn   func(t *testing.T, pub, sub events.Bus)
	}{
		{"Delivery", testDelivery},
		{"OrderPerTopic", testOrder},
		{"TopicsInterleaved", testInterleaved},
		{"FanOut", testFanOut},
		{"TopicsKeepTheirShape", testTopicShapes},
		{"UnsubscribeStopsDelivery", testUnsubscribe},
		{"SlowSubscriberDoesNotBlock", testSlowSubscriber},
		{"ContextCancellation", testContext},
		{"CloseEndsSubscriptions", testClose},
		{"InvalidPublish", testInvalidPublish},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			pub, sub := newBus(t)
			t.Cleanup(func() {
				assert.NoError(t, sub.Close())
				assert.NoError(t, pub.Close())
			})
			sc.fn(t, pub, sub)
		})
	}
}

// topic returns a fresh run topic.
func topic() string { return events.RunTopic(rand.Text()) }

func subscribe(t *testing.T, b events.Bus) <-chan events.Notice {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := b.Subscribe(ctx)
	require.NoError(t, err)
	return ch
}

func publish(t *testing.T, b events.Bus, topic string, seqs ...int64) {
	t.Helper()
	for _, s := range seqs {
		require.NoError(t, b.Publish(context.Background(), topic, s))
	}
}

func seqs(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// collect reads ch until it has n Notices of topic, failing on a Lagged
// notice or a closed channel or after wait.
func collect(t *testing.T, ch <-chan events.Notice, topic string, n int) []int64 {
	t.Helper()
	got := make([]int64, 0, n)
	deadline := time.After(wait)
	for len(got) < n {
		select {
		case no, ok := <-ch:
			require.True(t, ok, "channel closed after %d of %d notices of %s", len(got), n, topic)
			require.False(t, no.Lagged, "unexpected Lagged after %d of %d notices", len(got), n)
			if no.Topic == topic {
				got = append(got, no.Seq)
			}
		case <-deadline:
			require.FailNow(t, "timed out", "got %d of %d notices of %s: %v", len(got), n, topic, got)
		}
	}
	return got
}

// quiet asserts ch gets no Notice of topic for d.
func quiet(t *testing.T, ch <-chan events.Notice, topic string, d time.Duration) {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case no, ok := <-ch:
			if !ok {
				return
			}
			assert.NotEqual(t, topic, no.Topic, "unexpected notice %+v", no)
		case <-timer.C:
			return
		}
	}
}

// waitClosed drains ch until it is closed, failing after wait.
func waitClosed(t *testing.T, ch <-chan events.Notice) {
	t.Helper()
	deadline := time.After(wait)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-deadline:
			require.FailNow(t, "subscription channel not closed")
		}
	}
}

func testDelivery(t *testing.T, pub, sub events.Bus) {
	tp := topic()
	ch := subscribe(t, sub)
	publish(t, pub, tp, 1)
	assert.Equal(t, []int64{1}, collect(t, ch, tp, 1))
	publish(t, pub, tp, 2)
	assert.Equal(t, []int64{2}, collect(t, ch, tp, 1))
}

func testOrder(t *testing.T, pub, sub events.Bus) {
	tp := topic()
	ch := subscribe(t, sub)
	publish(t, pub, tp, seqs(1, 200)...)
	assert.Equal(t, seqs(1, 200), collect(t, ch, tp, 200), "one publisher's notices of a topic arrive in order")
}

func testInterleaved(t *testing.T, pub, sub events.Bus) {
	a, b := topic(), topic()
	ch := subscribe(t, sub)
	for i := int64(1); i <= 50; i++ {
		publish(t, pub, a, i)
		publish(t, pub, b, i)
	}
	var gotA, gotB []int64
	deadline := time.After(wait)
	for len(gotA) < 50 || len(gotB) < 50 {
		select {
		case no, ok := <-ch:
			require.True(t, ok)
			require.False(t, no.Lagged)
			switch no.Topic {
			case a:
				gotA = append(gotA, no.Seq)
			case b:
				gotB = append(gotB, no.Seq)
			}
		case <-deadline:
			require.FailNow(t, "timed out", "a: %v b: %v", gotA, gotB)
		}
	}
	assert.Equal(t, seqs(1, 50), gotA)
	assert.Equal(t, seqs(1, 50), gotB)
}

func testFanOut(t *testing.T, pub, sub events.Bus) {
	tp := topic()
	chans := []<-chan events.Notice{subscribe(t, sub), subscribe(t, sub), subscribe(t, sub), subscribe(t, pub)}
	publish(t, pub, tp, seqs(1, 20)...)
	for i, ch := range chans {
		assert.Equal(t, seqs(1, 20), collect(t, ch, tp, 20), "subscription %d", i)
	}
}

func testTopicShapes(t *testing.T, pub, sub events.Bus) {
	ch := subscribe(t, sub)
	id := rand.Text()
	for _, tp := range []string{
		events.UserTopic(id),
		events.CampaignTopic(id + ":with:colons"),
		"run:" + id + strings.Repeat("x", events.MaxTopicLen-len("run:")-len(id)), // the longest topic
	} {
		require.LessOrEqual(t, len(tp), events.MaxTopicLen)
		publish(t, pub, tp, 9007199254740993) // above 2^53: no float on the way
		assert.Equal(t, []int64{9007199254740993}, collect(t, ch, tp, 1), "topic %q", tp)
	}
}

func testUnsubscribe(t *testing.T, pub, sub events.Bus) {
	tp := topic()
	ctx, cancel := context.WithCancel(context.Background())
	gone, err := sub.Subscribe(ctx)
	require.NoError(t, err)
	stays := subscribe(t, sub)
	publish(t, pub, tp, 1)
	assert.Equal(t, []int64{1}, collect(t, gone, tp, 1))

	cancel()
	waitClosed(t, gone)
	publish(t, pub, tp, 2, 3)
	assert.Equal(t, []int64{1, 2, 3}, collect(t, stays, tp, 3), "the other subscription goes on")
}

// testSlowSubscriber publishes far more than a buffer holds to a bus with
// a subscriber that reads nothing: Publish must not block, a reading
// subscriber must get every Notice or a Lagged one, and the slow one must
// end with a Lagged notice.
func testSlowSubscriber(t *testing.T, pub, sub events.Bus) {
	const n = 3000
	tp := topic()
	slow := subscribe(t, sub)
	fast := subscribe(t, sub)

	fastDone := make(chan drained, 1)
	go func() { fastDone <- drainUntil(fast, tp, n) }()

	published := make(chan error, 1)
	go func() {
		for s := int64(1); s <= n; s++ {
			if err := pub.Publish(context.Background(), tp, s); err != nil {
				published <- err
				return
			}
		}
		published <- nil
	}()
	select {
	case err := <-published:
		require.NoError(t, err)
	case <-time.After(6 * wait):
		require.FailNow(t, "Publish blocked behind a subscriber that reads nothing")
	}

	r := <-fastDone
	assert.True(t, r.last.Seq == n || r.last.Lagged,
		"the reading subscriber ends with the last notice or a Lagged one, got %+v after %d", r.last, r.count)

	rs := drainUntil(slow, tp, n)
	assert.True(t, rs.lagged, "the slow subscriber was told it lagged (it got %d of %d)", rs.count, n)
	assert.Less(t, rs.count, n, "the slow subscriber's buffer is bounded")
	// A bus that delivers asynchronously (Redis) may go on delivering
	// after the Lagged notice, once the subscriber has room again; what
	// must hold is that the notice came (drainUntil stops at seq n).
	assert.True(t, rs.last.Lagged || rs.last.Seq == n,
		"the slow subscriber ends on its Lagged notice or, resumed, on the last seq; got %+v", rs.last)
}

// drained is what drainUntil saw.
type drained struct {
	last   events.Notice // the last Notice of the topic or Lagged one
	count  int           // Notices of the topic
	lagged bool          // whether any Notice was Lagged
}

// drainUntil reads ch until it sees seq n of topic, or until it has been
// idle for a second after a Lagged notice, or for wait.
func drainUntil(ch <-chan events.Notice, topic string, n int64) (r drained) {
	idle := wait
	for {
		select {
		case no, ok := <-ch:
			if !ok {
				return r
			}
			if no.Lagged {
				r.lagged = true
				r.last = no
				idle = time.Second
				continue
			}
			if no.Topic != topic {
				continue
			}
			r.count++
			r.last = no
			if no.Seq == n {
				return r
			}
		case <-time.After(idle):
			return r
		}
	}
}

func testContext(t *testing.T, pub, sub events.Bus) {
	tp := topic()
	done, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := sub.Subscribe(done)
	assert.ErrorIs(t, err, context.Canceled, "Subscribe with a cancelled context")
	assert.ErrorIs(t, pub.Publish(done, tp, 1), context.Canceled, "Publish with a cancelled context")

	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	ch, err := sub.Subscribe(ctx)
	require.NoError(t, err)
	waitClosed(t, ch) // the deadline ends the subscription
}

func testClose(t *testing.T, pub, sub events.Bus) {
	tp := topic()
	a, b := subscribe(t, sub), subscribe(t, sub)
	publish(t, pub, tp, 1)
	collect(t, a, tp, 1)
	start := time.Now()
	require.NoError(t, sub.Close())
	assert.Less(t, time.Since(start), 3*time.Second, "Close does not wait for an idle connection's timeout")
	waitClosed(t, a)
	waitClosed(t, b)
	require.NoError(t, sub.Close(), "Close is idempotent")
	_, err := sub.Subscribe(context.Background())
	assert.ErrorIs(t, err, events.ErrBusClosed)
	assert.ErrorIs(t, sub.Publish(context.Background(), tp, 2), events.ErrBusClosed)
}

func testInvalidPublish(t *testing.T, pub, sub events.Bus) {
	ctx := context.Background()
	ch := subscribe(t, sub)
	tp := topic()
	assert.ErrorIs(t, pub.Publish(ctx, "", 1), events.ErrInvalidTopic)
	assert.ErrorIs(t, pub.Publish(ctx, "run:a b", 1), events.ErrInvalidTopic)
	assert.Error(t, pub.Publish(ctx, tp, 0))
	assert.Error(t, pub.Publish(ctx, tp, -1))
	quiet(t, ch, tp, 200*time.Millisecond)
}

// testNoLeak checks that, once subscriptions are cancelled and both
// handles closed, no goroutine started by the adapter during the scenario
// is left. Goroutines are traced with a pprof label, so other tests
// running at the same time do not count.
func testNoLeak(t *testing.T, newBus func(t *testing.T) (pub, sub events.Bus)) {
	pub, sub := newBus(t)
	t.Cleanup(func() {
		assert.NoError(t, sub.Close())
		assert.NoError(t, pub.Close())
	})
	label := rand.Text()
	runLabeled(label, func(ctx context.Context) {
		tp := topic()
		sctx, cancel := context.WithCancel(ctx)
		defer cancel()
		ch1, err := sub.Subscribe(sctx)
		require.NoError(t, err)
		ch2, err := sub.Subscribe(ctx)
		require.NoError(t, err)
		publish(t, pub, tp, 1, 2)
		collect(t, ch1, tp, 2)
		collect(t, ch2, tp, 2)
		cancel()
		waitClosed(t, ch1)
		require.NoError(t, sub.Close())
		require.NoError(t, pub.Close())
		waitClosed(t, ch2)
	})
	deadline := time.Now().Add(wait)
	for {
		n, stacks, err := labeledGoroutines(label)
		require.NoError(t, err)
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			require.FailNow(t, "goroutines left after Close", "%d goroutines:\n%s", n, stacks)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var errNoProfile = errors.New("bustest: no goroutine profile")
