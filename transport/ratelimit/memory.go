package ratelimit

import (
	"context"
	"hash/maphash"
	"sync"
	"time"

	"github.com/kpbot/kpbot/auth"
)

const (
	// DefaultMaxKeys is the Memory limiter's default key cap.
	DefaultMaxKeys = 100_000
	memoryShards   = 32
	evictionSample = 16
	minSweepEvery  = 64
)

// Memory is an in-process auth.RateLimiter: a sharded map from key to TAT.
// It starts no goroutine; stale keys (whose TAT has passed, so they hold
// no history) are swept by the writes themselves, in amortised constant
// time. Memory is bounded: each of its shards holds at most
// ceil(MaxKeys/32) keys, and when a full shard needs room after sweeping,
// the key with the earliest TAT among a small sample is evicted (its
// history is forgotten, so it gets a fresh burst).
type Memory struct {
	now      func() time.Time
	maxShard int
	seed     maphash.Seed
	shards   [memoryShards]memoryShard
}

type memoryShard struct {
	mu      sync.Mutex
	tat     map[string]int64
	writes  int // new keys stored since the last sweep
	sweepAt int // writes that trigger the next sweep
}

var _ auth.RateLimiter = (*Memory)(nil)

// MemoryOption configures a Memory limiter.
type MemoryOption func(*Memory)

// WithClock sets the clock the Memory limiter reads; default time.Now.
func WithClock(now func() time.Time) MemoryOption {
	return func(m *Memory) { m.now = now }
}

// WithMaxKeys caps the keys the Memory limiter tracks; default
// DefaultMaxKeys. Values below 1 keep the default.
func WithMaxKeys(n int) MemoryOption {
	return func(m *Memory) {
		if n > 0 {
			m.maxShard = (n + memoryShards - 1) / memoryShards
		}
	}
}

// NewMemory returns an empty Memory limiter.
func NewMemory(opts ...MemoryOption) *Memory {
	m := &Memory{
		now:      time.Now,
		maxShard: (DefaultMaxKeys + memoryShards - 1) / memoryShards,
		seed:     maphash.MakeSeed(),
	}
	for _, o := range opts {
		o(m)
	}
	for i := range m.shards {
		m.shards[i].tat = make(map[string]int64)
	}
	return m
}

// Allow records one event for key when it fits within l.
func (m *Memory) Allow(ctx context.Context, key string, l auth.Limit) (auth.Decision, error) {
	return m.decide(ctx, key, l, true)
}

// Peek reports whether one more event for key would fit, recording nothing.
func (m *Memory) Peek(ctx context.Context, key string, l auth.Limit) (auth.Decision, error) {
	return m.decide(ctx, key, l, false)
}

// Len returns how many keys the limiter holds, stale ones included.
func (m *Memory) Len() int {
	n := 0
	for i := range m.shards {
		s := &m.shards[i]
		s.mu.Lock()
		n += len(s.tat)
		s.mu.Unlock()
	}
	return n
}

func (m *Memory) decide(ctx context.Context, key string, l auth.Limit, record bool) (auth.Decision, error) {
	if err := ctx.Err(); err != nil {
		return auth.Decision{}, err
	}
	if err := checkLimit(l, 1); err != nil {
		return auth.Decision{}, err
	}
	s := &m.shards[maphash.String(m.seed, key)%memoryShards]
	s.mu.Lock()
	defer s.mu.Unlock()
	now := m.now().UnixNano()
	old, known := s.tat[key]
	next, d := gcra(old, now, l)
	if !record || !d.Allowed {
		return d, nil
	}
	if !known {
		s.makeRoom(now, m.maxShard)
	}
	s.tat[key] = next
	return d, nil
}

// makeRoom runs before a new key is stored: it sweeps stale keys once the
// new keys since the last sweep match the shard's size after that sweep
// (so sweeping costs O(1) per insert, amortised), then evicts one key if
// the shard is still full.
func (s *memoryShard) makeRoom(now int64, limit int) {
	s.writes++
	if s.writes >= s.sweepAt {
		for k, tat := range s.tat {
			if tat <= now {
				delete(s.tat, k)
			}
		}
		s.writes = 0
		s.sweepAt = max(len(s.tat), minSweepEvery)
	}
	if len(s.tat) < limit {
		return
	}
	victim, victimTAT, seen := "", int64(0), 0
	for k, tat := range s.tat {
		if seen == 0 || tat < victimTAT {
			victim, victimTAT = k, tat
		}
		if seen++; seen == evictionSample {
			break
		}
	}
	delete(s.tat, victim)
}
