package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kpbot/kpbot/auth"
)

// FailMode says what a Fallback limiter answers while its shared store
// cannot.
type FailMode string

// The fail modes.
const (
	// FailMemory decides with an in-process Memory limiter while the
	// shared store is unreachable: limits hold per instance instead of
	// across instances.
	FailMemory FailMode = "memory"
	// FailClosed refuses every decision while the shared store is
	// unreachable, with an *auth.UnavailableError (a 503 with Retry-After
	// at the HTTP edge).
	FailClosed FailMode = "closed"
)

// ParseFailMode reads "memory" or "closed".
func ParseFailMode(s string) (FailMode, error) {
	switch m := FailMode(s); m {
	case FailMemory, FailClosed:
		return m, nil
	}
	return "", fmt.Errorf("ratelimit: fail mode %q is not memory or closed", s)
}

// Defaults of the Fallback options.
const (
	DefaultCallTimeout   = time.Second
	DefaultProbeInterval = 2 * time.Second
)

// probeKey is the key a Fallback peeks at when no request is waiting on
// its answer; Peek records nothing.
const probeKey = "fallback-probe"

// Fallback is an auth.RateLimiter in front of a shared one (Redis) that
// keeps deciding while the shared store is unreachable.
//
// Every call goes to the shared limiter, bounded by a call timeout. When
// it fails (for any reason but the caller's own context ending or an
// invalid limit) the Fallback is degraded: it logs one warning and, until
// the shared limiter answers again, decides with its own Memory limiter
// (FailMemory) or refuses with *auth.UnavailableError (FailClosed). While
// degraded, at most one call per probe interval tries the shared limiter
// again, so requests do not each wait for a dead server; the first that
// succeeds ends the outage (logged once) and its answer is used. The
// in-memory history is per instance and is not copied to the shared store.
//
// Fallback starts no goroutine.
type Fallback struct {
	shared     auth.RateLimiter
	local      *Memory
	mode       FailMode
	timeout    time.Duration
	probeEvery time.Duration
	log        *slog.Logger
	now        func() time.Time

	down      atomic.Bool // read without mu on every call; changed under mu
	mu        sync.Mutex
	downSince time.Time
	nextProbe time.Time
}

var _ auth.RateLimiter = (*Fallback)(nil)

// FallbackOption configures a Fallback limiter.
type FallbackOption func(*Fallback)

// WithCallTimeout bounds each call to the shared limiter (default
// DefaultCallTimeout); a call that takes longer counts as an outage.
func WithCallTimeout(d time.Duration) FallbackOption {
	return func(f *Fallback) {
		if d > 0 {
			f.timeout = d
		}
	}
}

// WithProbeInterval sets how often a degraded Fallback tries the shared
// limiter again (default DefaultProbeInterval). In FailClosed mode it is
// also the Retry-After of the refusals.
func WithProbeInterval(d time.Duration) FallbackOption {
	return func(f *Fallback) {
		if d > 0 {
			f.probeEvery = d
		}
	}
}

// WithLocal sets the Memory limiter used in FailMemory mode (default: a
// new one with default options).
func WithLocal(m *Memory) FallbackOption {
	return func(f *Fallback) {
		if m != nil {
			f.local = m
		}
	}
}

// WithFallbackLogger sets where outages and recoveries are reported
// (default: discarded).
func WithFallbackLogger(l *slog.Logger) FallbackOption {
	return func(f *Fallback) {
		if l != nil {
			f.log = l
		}
	}
}

// NewFallback returns a limiter that asks shared and, while shared fails,
// answers as mode says. An unknown mode is FailMemory.
func NewFallback(shared auth.RateLimiter, mode FailMode, opts ...FallbackOption) *Fallback {
	if mode != FailClosed {
		mode = FailMemory
	}
	f := &Fallback{
		shared: shared, mode: mode,
		timeout: DefaultCallTimeout, probeEvery: DefaultProbeInterval,
		log: slog.New(slog.DiscardHandler), now: time.Now,
	}
	for _, o := range opts {
		o(f)
	}
	if f.local == nil {
		f.local = NewMemory()
	}
	return f
}

// Allow records one event for key when it fits within l.
func (f *Fallback) Allow(ctx context.Context, key string, l auth.Limit) (auth.Decision, error) {
	return f.decide(ctx, key, l, true)
}

// Peek reports whether one more event for key would fit, recording nothing.
func (f *Fallback) Peek(ctx context.Context, key string, l auth.Limit) (auth.Decision, error) {
	return f.decide(ctx, key, l, false)
}

// Degraded reports whether the shared limiter is currently considered
// unreachable.
func (f *Fallback) Degraded() bool { return f.down.Load() }

// Probe asks the shared limiter whether it answers now, whatever the
// probe interval, and updates the Fallback's state; it returns the
// shared limiter's error.
func (f *Fallback) Probe(ctx context.Context) error {
	_, err := f.callShared(ctx, probeKey, auth.Limit{Events: 1, Window: time.Second}, false)
	switch {
	case err == nil:
		f.markUp()
	case ctx.Err() == nil:
		f.markDown(err)
	}
	return err
}

func (f *Fallback) decide(ctx context.Context, key string, l auth.Limit, record bool) (auth.Decision, error) {
	if err := ctx.Err(); err != nil {
		return auth.Decision{}, err
	}
	if err := checkLimit(l, 1); err != nil {
		return auth.Decision{}, err
	}
	if f.shouldAskShared() {
		d, err := f.callShared(ctx, key, l, record)
		switch {
		case err == nil:
			f.markUp()
			return d, nil
		case ctx.Err() != nil:
			return auth.Decision{}, fmt.Errorf("ratelimit: %w", ctx.Err())
		case errors.Is(err, ErrInvalidLimit):
			return auth.Decision{}, err
		}
		f.markDown(err)
		return f.degraded(ctx, key, l, record, err)
	}
	return f.degraded(ctx, key, l, record, errSharedDown)
}

var errSharedDown = errors.New("ratelimit: shared limiter unreachable")

func (f *Fallback) callShared(ctx context.Context, key string, l auth.Limit, record bool) (auth.Decision, error) {
	cctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	if record {
		return f.shared.Allow(cctx, key, l)
	}
	return f.shared.Peek(cctx, key, l)
}

// shouldAskShared is true while the shared limiter is up, and for one
// call per probe interval while it is down.
func (f *Fallback) shouldAskShared() bool {
	if !f.down.Load() {
		return true
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down.Load() {
		return true
	}
	now := f.now()
	if now.Before(f.nextProbe) {
		return false
	}
	f.nextProbe = now.Add(f.probeEvery)
	return true
}

func (f *Fallback) markDown(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	f.nextProbe = now.Add(f.probeEvery)
	if f.down.Load() {
		return
	}
	f.down.Store(true)
	f.downSince = now
	what := "limits are kept in this instance's memory"
	if f.mode == FailClosed {
		what = "rate-limited requests are refused with 503"
	}
	f.log.Warn("rate limiter: shared store unreachable; "+what+" until it answers",
		"fail_mode", string(f.mode), "probe_every", f.probeEvery.String(), "err", err.Error())
}

func (f *Fallback) markUp() {
	if !f.down.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.down.Load() {
		return
	}
	f.down.Store(false)
	f.log.Info("rate limiter: shared store answers again; limits are shared once more",
		"outage", f.now().Sub(f.downSince).Round(time.Millisecond).String())
}

func (f *Fallback) degraded(ctx context.Context, key string, l auth.Limit, record bool, cause error) (auth.Decision, error) {
	if f.mode == FailClosed {
		return auth.Decision{}, &auth.UnavailableError{RetryAfter: f.probeEvery, Err: cause}
	}
	return f.local.decide(ctx, key, l, record)
}
