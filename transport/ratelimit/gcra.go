package ratelimit

import (
	"errors"
	"fmt"
	"time"

	"github.com/kpbot/kpbot/auth"
)

// ErrInvalidLimit is wrapped by the error for a Limit with Events <= 0 or
// Window <= 0 (below a microsecond for Redis).
var ErrInvalidLimit = errors.New("ratelimit: invalid limit")

func checkLimit(l auth.Limit, minWindow time.Duration) error {
	if l.Events <= 0 || l.Window < minWindow {
		return fmt.Errorf("%w: %d events per %s", ErrInvalidLimit, l.Events, l.Window)
	}
	return nil
}

// gcra decides one event at now for a key whose stored theoretical
// arrival time is tat (zero or past for an idle key). Times are
// nanoseconds on one clock. It returns the TAT to store when the event is
// allowed.
func gcra(tat, now int64, l auth.Limit) (newTAT int64, d auth.Decision) {
	window := int64(l.Window)
	interval := window / int64(l.Events)
	if tat < now {
		tat = now
	}
	newTAT = tat + interval
	if allowAt := newTAT - window; now < allowAt {
		return tat, auth.Decision{RetryAfter: time.Duration(allowAt - now)}
	}
	return newTAT, auth.Decision{Allowed: true}
}
