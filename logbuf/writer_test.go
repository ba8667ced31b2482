package logbuf

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sink records what reaches the destination.
type sink struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (s *sink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	return s.b.Write(p)
}

func (s *sink) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestWritesArriveInOrderOnTheInterval(t *testing.T) {
	t.Parallel()
	dst := &sink{}
	w := New(dst, Config{FlushInterval: 10 * time.Millisecond})
	t.Cleanup(func() { _ = w.Close(context.Background()) })
	var want strings.Builder
	for i := range 100 {
		line := fmt.Sprintf("line %d\n", i)
		want.WriteString(line)
		n, err := w.Write([]byte(line))
		require.NoError(t, err)
		require.Equal(t, len(line), n)
	}
	require.Eventually(t, func() bool { return dst.String() == want.String() }, 10*time.Second, 5*time.Millisecond)
	dst.mu.Lock()
	assert.Less(t, dst.writes, 100, "lines are batched")
	dst.mu.Unlock()
}

func TestCloseWritesTheRest(t *testing.T) {
	t.Parallel()
	dst := &sink{}
	w := New(dst, Config{FlushInterval: time.Hour})
	_, err := w.Write([]byte("last words\n"))
	require.NoError(t, err)
	require.NoError(t, w.Close(context.Background()))
	assert.Equal(t, "last words\n", dst.String())
	_, err = w.Write([]byte("too late\n"))
	assert.ErrorIs(t, err, ErrClosed)
	require.NoError(t, w.Close(context.Background()), "closing twice is harmless")
}

// gate blocks the first write until released.
type gate struct {
	sink
	entered, release chan struct{}
	once             sync.Once
}

func (g *gate) Write(p []byte) (int, error) {
	g.once.Do(func() { close(g.entered); <-g.release })
	return g.sink.Write(p)
}

func TestFullBufferDropsAndCounts(t *testing.T) {
	t.Parallel()
	dst := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	w := New(dst, Config{Size: 100, FlushInterval: time.Hour})
	reg := prometheus.NewRegistry()
	require.NoError(t, w.Register(reg))

	first := strings.Repeat("a", 59) + "\n"
	_, _ = w.Write([]byte(first)) // over half: flushed at once, and the destination stalls
	<-dst.entered
	b := strings.Repeat("b", 59) + "\n"
	c := strings.Repeat("c", 59) + "\n"
	d := strings.Repeat("d", 29) + "\n"
	for _, line := range []string{b, c, d} {
		n, err := w.Write([]byte(line))
		require.NoError(t, err, "a full buffer never fails or blocks the caller")
		assert.Equal(t, len(line), n)
	}
	assert.Equal(t, uint64(1), w.Dropped(), "the line that did not fit")
	assert.InDelta(t, 1, counterValue(t, reg, "kpbot_log_writes_dropped_total"), 0)

	close(dst.release)
	require.NoError(t, w.Close(context.Background()))
	assert.Equal(t, first+b+d, dst.String(), "whole lines only, in order")
}

func counterValue(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	require.NoError(t, err)
	for _, mf := range mfs {
		if mf.GetName() == name {
			return mf.GetMetric()[0].GetCounter().GetValue()
		}
	}
	t.Fatalf("%s not registered", name)
	return 0
}

func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	dst := &sink{}
	w := New(dst, Config{Size: 4096, FlushInterval: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				_, _ = fmt.Fprintf(w, "g%d-%d\n", g, i)
			}
		}()
	}
	wg.Wait()
	require.NoError(t, w.Close(context.Background()))
	lines := strings.Split(strings.TrimSuffix(dst.String(), "\n"), "\n")
	assert.Equal(t, uint64(8*200), uint64(len(lines))+w.Dropped(), "every line is written or counted as dropped")
	for _, l := range lines {
		assert.Regexp(t, `^g\d-\d+$`, l, "no torn lines")
	}
}
