package events_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
)

// memLog is a minimal events.Log for Publisher's tests.
type memLog struct {
	mu   sync.Mutex
	last map[string]int64
	fail error
}

func (l *memLog) Append(_ context.Context, name string, data any, topics ...string) ([]events.Event, error) {
	if l.fail != nil {
		return nil, l.fail
	}
	raw, err := events.EncodeData(data)
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	at := time.Now().UTC()
	out := make([]events.Event, len(topics))
	for i, topic := range topics {
		l.last[topic]++
		out[i] = events.Event{Topic: topic, Seq: l.last[topic], Name: name, Data: raw, At: at}
	}
	return out, nil
}

func (l *memLog) After(context.Context, string, int64, int) ([]events.Event, error) { return nil, nil }
func (l *memLog) Last(_ context.Context, topic string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.last[topic], nil
}
func (l *memLog) Prune(context.Context, time.Time, int) (int, error) { return 0, nil }

// recordingBus records what is published; failTopic makes Publish fail for
// one topic.
type recordingBus struct {
	mu        sync.Mutex
	got       []events.Notice
	ctxErrs   []error
	failTopic string
}

func (b *recordingBus) Publish(ctx context.Context, topic string, seq int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.ctxErrs = append(b.ctxErrs, ctx.Err())
	if topic == b.failTopic {
		return errors.New("broker down")
	}
	b.got = append(b.got, events.Notice{Topic: topic, Seq: seq})
	return nil
}
func (b *recordingBus) Subscribe(context.Context) (<-chan events.Notice, error) { return nil, nil }
func (b *recordingBus) Close() error                                            { return nil }

func TestPublisherStoresThenAnnouncesEveryTopic(t *testing.T) {
	t.Parallel()
	log := &memLog{last: map[string]int64{"campaign:c": 4}}
	bus := &recordingBus{}
	p := newPublisher(t, log, bus)
	evs, err := p.Publish(context.Background(), events.RunStarted, map[string]string{"run": "r"}, "run:r", "campaign:c")
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, []events.Notice{{Topic: "run:r", Seq: 1}, {Topic: "campaign:c", Seq: 5}}, bus.got,
		"one Notice per stored copy, carrying only topic and seq")
}

func TestPublisherAppendFailureAnnouncesNothing(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	bus := &recordingBus{}
	_, err := newPublisher(t, &memLog{last: map[string]int64{}, fail: boom}, bus).
		Publish(context.Background(), events.RunFailed, nil, "run:r")
	require.ErrorIs(t, err, boom)
	assert.NotErrorIs(t, err, events.ErrNotAnnounced)
	assert.Empty(t, bus.got)
}

func TestPublisherBusFailureReturnsStoredEvents(t *testing.T) {
	t.Parallel()
	log := &memLog{last: map[string]int64{}}
	bus := &recordingBus{failTopic: "run:r"}
	evs, err := newPublisher(t, log, bus).Publish(context.Background(), events.RunProgress, nil, "run:r", "campaign:c")
	require.ErrorIs(t, err, events.ErrNotAnnounced)
	assert.Contains(t, err.Error(), "broker down")
	require.Len(t, evs, 2, "the events are stored even though one announcement failed")
	assert.Equal(t, []events.Notice{{Topic: "campaign:c", Seq: 1}}, bus.got, "the other topic is still announced")
}

func TestPublisherAnnouncesEvenIfCallerCancelsAfterAppend(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	log := &cancellingLog{memLog: memLog{last: map[string]int64{}}, cancel: cancel}
	bus := &recordingBus{}
	_, err := newPublisher(t, log, bus).Publish(ctx, events.RunSucceeded, nil, "run:r")
	require.NoError(t, err)
	require.Len(t, bus.got, 1)
	assert.NoError(t, bus.ctxErrs[0], "announce context is detached from the caller's cancellation")
}

// cancellingLog cancels the caller's context right after a successful
// append, as a caller giving up at the worst moment would.
type cancellingLog struct {
	memLog
	cancel context.CancelFunc
}

func (l *cancellingLog) Append(ctx context.Context, name string, data any, topics ...string) ([]events.Event, error) {
	evs, err := l.memLog.Append(ctx, name, data, topics...)
	l.cancel()
	return evs, err
}

// newPublisher is events.NewPublisher for a test, which fails on an error.
func newPublisher(t *testing.T, log events.Log, bus events.Bus) *events.Publisher {
	t.Helper()
	p, err := events.NewPublisher(log, bus)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewPublisherNeedsLogAndBus(t *testing.T) {
	if _, err := events.NewPublisher(nil, &recordingBus{}); err == nil {
		t.Error("no log: want an error")
	}
	if _, err := events.NewPublisher(&memLog{last: map[string]int64{}}, nil); err == nil {
		t.Error("no bus: want an error")
	}
}
