// Package logbuf is a buffered, asynchronous io.Writer for logs: writes
// are copied into a bounded buffer and written out by one goroutine on a
// short interval (or sooner when the buffer fills up), so a request's
// access-log line costs no system call. When the buffer is full a write
// is dropped and counted, never blocking the caller.
package logbuf

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Defaults of Config.
const (
	DefaultSize          = 1 << 20 // 1 MiB
	DefaultFlushInterval = 100 * time.Millisecond
)

// Config tunes a Writer; zero fields take the defaults.
type Config struct {
	// Size bounds the bytes held between two flushes (DefaultSize).
	Size int
	// FlushInterval is the longest a write waits before it is written out
	// (DefaultFlushInterval).
	FlushInterval time.Duration
}

// Writer buffers writes for its destination. A Write stores whole: each
// log line is either kept or dropped entirely. Safe for concurrent use.
type Writer struct {
	dst      io.Writer
	size     int
	interval time.Duration

	mu      sync.Mutex
	buf     []byte // pending bytes, appended under mu
	spare   []byte // the buffer being written out, swapped with buf
	closed  bool
	dropped atomic.Uint64
	errs    atomic.Uint64

	outMu sync.Mutex // serialises writes to dst
	kick  chan struct{}
	stop  chan struct{}
	done  chan struct{}
}

// New starts a Writer for dst; Close stops it and writes out the rest.
func New(dst io.Writer, cfg Config) *Writer {
	if cfg.Size <= 0 {
		cfg.Size = DefaultSize
	}
	if cfg.FlushInterval <= 0 {
		cfg.FlushInterval = DefaultFlushInterval
	}
	w := &Writer{
		dst: dst, size: cfg.Size, interval: cfg.FlushInterval,
		buf:   make([]byte, 0, min(cfg.Size, 64<<10)),
		spare: make([]byte, 0, min(cfg.Size, 64<<10)),
		kick:  make(chan struct{}, 1),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	go w.loop()
	return w
}

// ErrClosed is returned by writes after Close.
var ErrClosed = errors.New("logbuf: writer closed")

// Write queues a copy of p. When p does not fit in the buffer it is
// dropped and counted (Dropped), and Write still reports success: a log
// line is not worth blocking a request for.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return 0, ErrClosed
	}
	if len(w.buf)+len(p) > w.size {
		w.mu.Unlock()
		w.dropped.Add(1)
		w.signal()
		return len(p), nil
	}
	w.buf = append(w.buf, p...)
	full := len(w.buf) >= w.size/2
	w.mu.Unlock()
	if full {
		w.signal()
	}
	return len(p), nil
}

func (w *Writer) signal() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// Dropped is how many writes were dropped because the buffer was full.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// WriteErrors is how many flushes the destination refused.
func (w *Writer) WriteErrors() uint64 { return w.errs.Load() }

// Flush writes out what is buffered now.
func (w *Writer) Flush() error {
	w.outMu.Lock()
	defer w.outMu.Unlock()
	w.mu.Lock()
	out := w.buf
	w.buf, w.spare = w.spare[:0], nil
	w.mu.Unlock()
	var err error
	if len(out) > 0 {
		if _, err = w.dst.Write(out); err != nil {
			w.errs.Add(1)
		}
	}
	w.mu.Lock()
	w.spare = out[:0]
	w.mu.Unlock()
	return err
}

func (w *Writer) loop() {
	defer close(w.done)
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-w.stop:
			return
		case <-t.C:
		case <-w.kick:
		}
		_ = w.Flush()
	}
}

// Close stops the background flushing and writes out the rest; later
// writes fail with ErrClosed. ctx bounds the wait for the last write.
func (w *Writer) Close(ctx context.Context) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	select {
	case <-w.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	return w.Flush()
}

// Register adds the kpbot_log_writes_dropped_total counter (writes lost
// to a full buffer) and kpbot_log_write_errors_total to reg.
func (w *Writer) Register(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kpbot_log_writes_dropped_total",
			Help: "Log lines dropped because the asynchronous log buffer was full.",
		}, func() float64 { return float64(w.Dropped()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "kpbot_log_write_errors_total",
			Help: "Flushes of the asynchronous log buffer its destination refused.",
		}, func() float64 { return float64(w.WriteErrors()) }),
	} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
