// Package ratelimit holds auth.RateLimiter adapters: an in-process Memory
// limiter and a Redis limiter shared by every instance, both using the
// generic cell rate algorithm (GCRA), and Fallback, which puts the Redis
// one in front of a Memory one (FailMemory) or of a refusal (FailClosed)
// for as long as Redis cannot answer.
//
// For a Limit of Events per Window the emission interval is
// T = Window/Events and the burst is Events: a fresh key admits Events
// events at once, then one more every T. Each key keeps one number, its
// theoretical arrival time (TAT). Allow records an event when it fits and
// otherwise answers Allowed=false with RetryAfter, the wait until one more
// fits (at most T, so never more than Window); a refused event records
// nothing. Peek gives the same answer and records nothing.
//
// GCRA bounds the long-run rate to Events per Window and any burst to
// Events; it is not a strict sliding-window counter: right after a full
// burst one more event fits every T, so a span of one Window can hold up
// to 2*Events-1 events.
//
// A Limit with Events <= 0 or Window <= 0 is refused with an error wrapping
// ErrInvalidLimit rather than read as "unlimited": a zero limit is almost
// always a configuration mistake, and callers that want no limit should
// not call the limiter.
package ratelimit
