package report

import (
	"context"
	"sync"
	"time"
)

// DefaultWindow is Limit's window when given none.
const DefaultWindow = time.Minute

// maxFingerprints bounds the fingerprints a Limit remembers; past it the
// oldest windows are forgotten first.
const maxFingerprints = 1024

// Limited passes the first event of each fingerprint per window to its
// reporter and counts the duplicates; the next event passed on after the
// window carries that count in Repeats.
type Limited struct {
	next   Reporter
	window time.Duration
	now    func() time.Time

	mu   sync.Mutex
	seen map[string]*seenPrint
}

type seenPrint struct {
	since   time.Time
	repeats int
}

// Limit returns a reporter that sends each fingerprint (Event.Fingerprint)
// to next at most once per window (DefaultWindow when window ≤ 0).
func Limit(next Reporter, window time.Duration) *Limited {
	if window <= 0 {
		window = DefaultWindow
	}
	return &Limited{next: next, window: window, now: time.Now, seen: map[string]*seenPrint{}}
}

// Report passes ev on unless its fingerprint was passed on within the
// window, in which case it is only counted.
func (l *Limited) Report(ctx context.Context, ev Event) {
	fp := ev.Fingerprint()
	now := l.now()
	l.mu.Lock()
	s, ok := l.seen[fp]
	if ok && now.Sub(s.since) < l.window {
		s.repeats++
		l.mu.Unlock()
		return
	}
	if ok {
		ev.Repeats += s.repeats
		s.since, s.repeats = now, 0
	} else {
		l.forgetOld(now)
		l.seen[fp] = &seenPrint{since: now}
	}
	l.mu.Unlock()
	l.next.Report(ctx, ev)
}

// forgetOld drops the fingerprints whose window is over once the map is
// full (their held-back counts are lost), then the oldest if still full.
func (l *Limited) forgetOld(now time.Time) {
	if len(l.seen) < maxFingerprints {
		return
	}
	var oldest string
	var oldestAt time.Time
	for fp, s := range l.seen {
		if now.Sub(s.since) >= l.window {
			delete(l.seen, fp)
			continue
		}
		if oldest == "" || s.since.Before(oldestAt) {
			oldest, oldestAt = fp, s.since
		}
	}
	if len(l.seen) >= maxFingerprints {
		delete(l.seen, oldest)
	}
}

// Flush flushes the reporter behind the limit if it queues.
func (l *Limited) Flush(ctx context.Context) error {
	if f, ok := l.next.(Flusher); ok {
		return f.Flush(ctx)
	}
	return nil
}
