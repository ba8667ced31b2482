package authtest

import (
	"sync"
	"time"
)

// Clock is a fake clock that moves only when told to; it is safe for
// concurrent use. Pass its Now method wherever a func() time.Time is taken.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock reading start, or 2026-01-01 12:00 UTC when
// start is the zero time.
func NewClock(start time.Time) *Clock {
	if start.IsZero() {
		start = time.Date(2026, time.January, 1, 12, 0, 0, 0, time.UTC)
	}
	return &Clock{now: start}
}

// Now returns the clock's current time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d (backward when d is negative).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
