package storetest

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
)

// TestEventLog runs every event log scenario against logs from newLog,
// which is called once per scenario and may return logs over one shared
// database. Each scenario appends to topics of its own (fresh IDs). Prune
// touches every topic of the database, so the pruning scenario runs first,
// alone, before the others start in parallel, and checks only its own
// topics exactly.
func TestEventLog(t *testing.T, newLog func(t *testing.T) events.Log) {
	t.Helper()
	t.Run("Prune", func(t *testing.T) { testEventPrune(t, newLog(t)) })
	scenarios := []struct {
		name string
		fn   func(t *testing.T, log events.Log)
	}{
		{"SeqCountsPerTopic", testEventSeqPerTopic},
		{"OneAppendManyTopics", testEventManyTopics},
		{"ConcurrentAppendsOneTopic", testEventConcurrentOneTopic},
		{"ConcurrentAppendsOverlappingTopics", testEventConcurrentOverlapping},
		{"AfterSinceLimit", testEventAfter},
		{"UnknownTopicIsEmpty", testEventUnknownTopic},
		{"DataRoundTrip", testEventData},
		{"InvalidAppendStoresNothing", testEventInvalid},
		{"CancelledContext", testEventCancelled},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			sc.fn(t, newLog(t))
		})
	}
}

// appendN appends n events named RunProgress with data {"i": k} to topic
// and checks each got the next seq.
func appendN(t *testing.T, log events.Log, topic string, n int) []events.Event {
	t.Helper()
	ctx := context.Background()
	first, err := log.Last(ctx, topic)
	require.NoError(t, err)
	out := make([]events.Event, 0, n)
	for i := range n {
		evs, err := log.Append(ctx, events.RunProgress, map[string]int{"i": i}, topic)
		require.NoError(t, err)
		require.Len(t, evs, 1)
		require.Equal(t, first+int64(i)+1, evs[0].Seq, "seq of append %d to %s", i, topic)
		out = append(out, evs[0])
	}
	return out
}

// seqsOf returns the seqs of evs, in order.
func seqsOf(evs []events.Event) []int64 {
	s := make([]int64, len(evs))
	for i, e := range evs {
		s[i] = e.Seq
	}
	return s
}

// seqRange returns from, from+1, ..., to.
func seqRange(from, to int64) []int64 {
	var s []int64
	for i := from; i <= to; i++ {
		s = append(s, i)
	}
	return s
}

// readAll pages through a topic with After, limit per page.
func readAll(t *testing.T, log events.Log, topic string, since int64, limit int) []events.Event {
	t.Helper()
	var all []events.Event
	for {
		page, err := log.After(context.Background(), topic, since, limit)
		require.NoError(t, err)
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
		since = page[len(page)-1].Seq
	}
}

func testEventSeqPerTopic(t *testing.T, log events.Log) {
	ctx := context.Background()
	run, other := events.RunTopic(newID()), events.RunTopic(newID())
	before := time.Now().UTC().Truncate(time.Microsecond)
	appended := appendN(t, log, run, 5)
	appendN(t, log, other, 2)
	after := time.Now().UTC()

	last, err := log.Last(ctx, run)
	require.NoError(t, err)
	assert.EqualValues(t, 5, last)
	last, err = log.Last(ctx, other)
	require.NoError(t, err)
	assert.EqualValues(t, 2, last, "topics count independently")

	stored, err := log.After(ctx, run, 0, 0)
	require.NoError(t, err)
	require.Equal(t, seqRange(1, 5), seqsOf(stored))
	for i, ev := range stored {
		assert.Equal(t, run, ev.Topic)
		assert.Equal(t, events.RunProgress, ev.Name)
		assert.JSONEq(t, `{"i":`+strconv.Itoa(i)+`}`, string(ev.Data))
		assert.Equal(t, time.UTC, ev.At.Location())
		assert.False(t, ev.At.Before(before), "At %v before the append started %v", ev.At, before)
		assert.False(t, ev.At.After(after), "At %v after the append ended %v", ev.At, after)
		assert.True(t, appended[i].At.Equal(ev.At), "Append returns the stored At")
		assert.JSONEq(t, string(appended[i].Data), string(ev.Data))
	}
}

func testEventManyTopics(t *testing.T, log events.Log) {
	ctx := context.Background()
	user := events.UserTopic(newID())
	campaign := events.CampaignTopic(newID())
	run := events.RunTopic(newID())
	appendN(t, log, campaign, 2)
	appendN(t, log, user, 7)

	evs, err := log.Append(ctx, events.ProspectFound, map[string]string{"url": "https://example.com/a"}, run, campaign, user)
	require.NoError(t, err)
	require.Len(t, evs, 3)
	assert.Equal(t, []string{run, campaign, user}, []string{evs[0].Topic, evs[1].Topic, evs[2].Topic}, "events come back in the order of topics")
	assert.Equal(t, []int64{1, 3, 8}, seqsOf(evs), "each topic gets its own next seq")
	for _, ev := range evs {
		assert.Equal(t, events.ProspectFound, ev.Name)
		assert.True(t, evs[0].At.Equal(ev.At), "one append has one time")
		stored, err := log.After(ctx, ev.Topic, ev.Seq-1, 1)
		require.NoError(t, err)
		require.Len(t, stored, 1)
		assert.Equal(t, ev.Seq, stored[0].Seq)
		assert.Equal(t, ev.Name, stored[0].Name)
		assert.JSONEq(t, `{"url":"https://example.com/a"}`, string(stored[0].Data))
	}
}

func testEventConcurrentOneTopic(t *testing.T, log events.Log) {
	const goroutines, each = 8, 50
	topic := events.CampaignTopic(newID())
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	got := make(chan int64, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				evs, err := log.Append(ctx, events.RunProgress, map[string]int{"g": g, "i": i}, topic)
				if err != nil {
					errs <- err
					return
				}
				got <- evs[0].Seq
			}
		})
	}
	wg.Wait()
	close(errs)
	close(got)
	for err := range errs {
		require.NoError(t, err)
	}
	returned := make(map[int64]bool)
	for s := range got {
		assert.False(t, returned[s], "seq %d given twice", s)
		returned[s] = true
	}
	assert.Len(t, returned, goroutines*each)

	stored := readAll(t, log, topic, 0, 64)
	assert.Equal(t, seqRange(1, goroutines*each), seqsOf(stored), "stored seqs are exactly 1..N")
	last, err := log.Last(ctx, topic)
	require.NoError(t, err)
	assert.EqualValues(t, goroutines*each, last)

	// Each goroutine's own events keep their order.
	lastI := make(map[int]int)
	for _, ev := range stored {
		var d struct{ G, I int }
		require.NoError(t, json.Unmarshal(ev.Data, &d))
		if prev, ok := lastI[d.G]; ok {
			assert.Greater(t, d.I, prev, "goroutine %d's appends out of order", d.G)
		}
		lastI[d.G] = d.I
	}
}

func testEventConcurrentOverlapping(t *testing.T, log events.Log) {
	const goroutines, each = 6, 20
	a, b := events.RunTopic(newID()), events.CampaignTopic(newID())
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		topics := []string{a, b}
		if g%2 == 1 {
			topics = []string{b, a} // opposite order: must not deadlock
		}
		wg.Go(func() {
			for range each {
				if _, err := log.Append(ctx, events.RunProgress, nil, topics...); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for _, topic := range []string{a, b} {
		assert.Equal(t, seqRange(1, goroutines*each), seqsOf(readAll(t, log, topic, 0, 0)), "topic %s", topic)
	}
}

func testEventAfter(t *testing.T, log events.Log) {
	ctx := context.Background()
	topic := events.RunTopic(newID())
	appendN(t, log, topic, 10)
	cases := []struct {
		since int64
		limit int
		want  []int64
	}{
		{0, 0, seqRange(1, 10)},
		{0, -1, seqRange(1, 10)},
		{3, 4, seqRange(4, 7)},
		{8, 100, seqRange(9, 10)},
		{9, 1, []int64{10}},
		{10, 5, nil},
		{50, 5, nil},
		{-5, 2, []int64{1, 2}},
	}
	for _, c := range cases {
		evs, err := log.After(ctx, topic, c.since, c.limit)
		require.NoError(t, err)
		assert.Equal(t, c.want, nilIfEmpty(seqsOf(evs)), "After(since=%d, limit=%d)", c.since, c.limit)
	}
}

func nilIfEmpty(s []int64) []int64 {
	if len(s) == 0 {
		return nil
	}
	return s
}

func testEventUnknownTopic(t *testing.T, log events.Log) {
	ctx := context.Background()
	topic := events.RunTopic(newID())
	evs, err := log.After(ctx, topic, 0, 10)
	require.NoError(t, err)
	assert.Empty(t, evs)
	last, err := log.Last(ctx, topic)
	require.NoError(t, err)
	assert.Zero(t, last)
}

func testEventData(t *testing.T, log events.Log) {
	ctx := context.Background()
	topic := events.UserTopic(newID())
	type payload struct {
		Title string   `json:"title"`
		Tags  []string `json:"tags"`
		Score float64  `json:"score"`
	}
	big := strings.Repeat("ünïcödé ✓ ", 2000) // ~26 KB, over NOTIFY's 8000 bytes
	inputs := []struct {
		data any
		want string
	}{
		{payload{Title: "Hello \"world\"", Tags: []string{"a", "b"}, Score: 0.75}, `{"title":"Hello \"world\"","tags":["a","b"],"score":0.75}`},
		{nil, `{}`},
		{json.RawMessage(`{"already":"json","n":[1,2,3]}`), `{"already":"json","n":[1,2,3]}`},
		{[]byte(`{"bytes":true}`), `{"bytes":true}`},
		{map[string]string{"big": big}, `{"big":` + mustJSON(t, big) + `}`},
	}
	for i, in := range inputs {
		evs, err := log.Append(ctx, events.Notification, in.data, topic)
		require.NoError(t, err, "input %d", i)
		assert.JSONEq(t, in.want, string(evs[0].Data), "returned data %d", i)
		stored, err := log.After(ctx, topic, evs[0].Seq-1, 1)
		require.NoError(t, err)
		require.Len(t, stored, 1)
		assert.JSONEq(t, in.want, string(stored[0].Data), "stored data %d", i)
		assert.Equal(t, events.Notification, stored[0].Name)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

func testEventInvalid(t *testing.T, log events.Log) {
	ctx := context.Background()
	good := events.RunTopic(newID())
	appendN(t, log, good, 1)
	cases := []struct {
		name   string
		evName string
		data   any
		topics []string
		want   error
	}{
		{"NoTopics", events.RunProgress, nil, nil, events.ErrInvalidEvent},
		{"RepeatedTopic", events.RunProgress, nil, []string{good, good}, events.ErrInvalidEvent},
		{"EmptyTopicBesideGood", events.RunProgress, nil, []string{good, ""}, events.ErrInvalidTopic},
		{"SpaceInTopic", events.RunProgress, nil, []string{good, "run:a b"}, events.ErrInvalidTopic},
		{"TooLongTopic", events.RunProgress, nil, []string{"run:" + strings.Repeat("x", events.MaxTopicLen)}, events.ErrInvalidTopic},
		{"EmptyName", "", nil, []string{good}, events.ErrInvalidEvent},
		{"NotJSON", events.RunProgress, json.RawMessage(`{"a":`), []string{good}, events.ErrInvalidEvent},
		{"Unmarshalable", events.RunProgress, map[string]any{"f": func() {}}, []string{good}, events.ErrInvalidEvent},
	}
	for _, c := range cases {
		_, err := log.Append(ctx, c.evName, c.data, c.topics...)
		assert.ErrorIs(t, err, c.want, c.name)
	}
	last, err := log.Last(ctx, good)
	require.NoError(t, err)
	assert.EqualValues(t, 1, last, "failed appends store nothing")
	_, err = log.After(ctx, "", 0, 1)
	assert.ErrorIs(t, err, events.ErrInvalidTopic)
	_, err = log.Last(ctx, "bad topic")
	assert.ErrorIs(t, err, events.ErrInvalidTopic)
}

func testEventCancelled(t *testing.T, log events.Log) {
	topic := events.RunTopic(newID())
	appendN(t, log, topic, 2)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := log.Append(ctx, events.RunProgress, nil, topic)
	require.Error(t, err)
	last, err := log.Last(context.Background(), topic)
	require.NoError(t, err)
	assert.EqualValues(t, 2, last, "a cancelled append stores nothing")
	evs, err := log.Append(context.Background(), events.RunProgress, nil, topic)
	require.NoError(t, err)
	assert.EqualValues(t, 3, evs[0].Seq, "no seq is lost to the cancelled append")
}

// testEventPrune checks retention by count, by age, both, and that seqs go
// on rising afterwards, even on a topic pruned empty.
func testEventPrune(t *testing.T, log events.Log) {
	ctx := context.Background()
	old := events.RunTopic(newID())  // 4 events before the cut, 2 after
	many := events.RunTopic(newID()) // 10 events after the cut
	gone := events.RunTopic(newID()) // 3 events before the cut only
	appendN(t, log, old, 4)
	appendN(t, log, gone, 3)
	time.Sleep(5 * time.Millisecond)
	cut := time.Now()
	time.Sleep(5 * time.Millisecond)
	appendN(t, log, old, 2)
	appendN(t, log, many, 10)

	n, err := log.Prune(ctx, time.Time{}, 0)
	require.NoError(t, err)
	assert.Zero(t, n, "no limits, nothing pruned")

	// Count only: at most 5 per topic.
	n, err = log.Prune(ctx, time.Time{}, 5)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 1+5, "old loses 1, many loses 5")
	assert.Equal(t, seqRange(2, 6), seqsOf(readAll(t, log, old, 0, 0)))
	assert.Equal(t, seqRange(6, 10), seqsOf(readAll(t, log, many, 0, 0)))
	assert.Equal(t, seqRange(1, 3), seqsOf(readAll(t, log, gone, 0, 0)))

	// Age and count: everything before the cut goes, and many keeps 3.
	n, err = log.Prune(ctx, cut, 3)
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, 3+3+2, "old loses 2..4, gone loses 1..3, many loses 6,7")
	assert.Equal(t, []int64{5, 6}, seqsOf(readAll(t, log, old, 0, 0)))
	assert.Equal(t, seqRange(8, 10), seqsOf(readAll(t, log, many, 0, 0)))
	assert.Empty(t, readAll(t, log, gone, 0, 0))

	// After reports the cut: the first event after since=0 is not seq 1.
	evs, err := log.After(ctx, many, 0, 1)
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.EqualValues(t, 8, evs[0].Seq)

	// Seqs are never reused.
	for topic, want := range map[string]int64{old: 6, many: 10, gone: 3} {
		last, err := log.Last(ctx, topic)
		require.NoError(t, err)
		assert.Equal(t, want, last, "Last(%s) survives pruning", topic)
		evs, err := log.Append(ctx, events.RunProgress, nil, topic)
		require.NoError(t, err)
		assert.Equal(t, want+1, evs[0].Seq, "next seq of %s after pruning", topic)
	}

	// Pruning everything by age leaves the counters too.
	_, err = log.Prune(ctx, time.Now().Add(time.Hour), 0)
	require.NoError(t, err)
	assert.Empty(t, readAll(t, log, many, 0, 0))
	evs, err = log.Append(ctx, events.RunProgress, nil, many)
	require.NoError(t, err)
	assert.EqualValues(t, 12, evs[0].Seq)
}
