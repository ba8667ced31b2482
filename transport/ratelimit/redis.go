package ratelimit

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kpbot/kpbot/auth"
)

// DefaultRedisPrefix is prepended to every key the Redis limiter writes.
const DefaultRedisPrefix = "kpbot:rl:"

// gcraScript runs GCRA on the Redis server's own clock (TIME), so
// instances with skewed clocks agree. Times are microseconds, kept as
// doubles (exact to well below a microsecond for today's epoch) and stored
// with %.17g so they round-trip. The key expires when its TAT passes,
// which is exactly when it stops holding any history.
//
// KEYS[1] key; ARGV[1] window (µs); ARGV[2] events; ARGV[3] "1" to record.
// Returns {allowed (0|1), retry after (µs, rounded up)}.
const gcraScript = `
local window = tonumber(ARGV[1])
local events = tonumber(ARGV[2])
local t = redis.call("TIME")
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = now
local stored = redis.call("GET", KEYS[1])
if stored then
  tat = math.max(tonumber(stored) or now, now)
end
local new_tat = tat + window / events
local allow_at = new_tat - window
if now < allow_at then
  return {0, math.ceil(allow_at - now)}
end
if ARGV[3] == "1" then
  local ttl = math.max(1, math.ceil((new_tat - now) / 1000))
  redis.call("SET", KEYS[1], string.format("%.17g", new_tat), "PX", ttl)
end
return {1, 0}
`

// RedisRetryAfter is the Retry-After a Redis limiter suggests when Redis
// cannot decide.
const RedisRetryAfter = time.Second

// Redis is an auth.RateLimiter whose state lives in Redis, so every
// instance of the service shares it. Each key is one string holding its
// TAT, with a TTL; the decision is one EVALSHA of a Lua script. When
// Redis cannot answer, Allow and Peek fail with *auth.UnavailableError
// (fail closed); wrap it in a Fallback for a local fail mode.
type Redis struct {
	client redis.UniversalClient
	prefix string
	script *redis.Script
}

var _ auth.RateLimiter = (*Redis)(nil)

// RedisOption configures a Redis limiter.
type RedisOption func(*Redis)

// WithPrefix sets the prefix of every Redis key; default DefaultRedisPrefix.
func WithPrefix(prefix string) RedisOption {
	return func(r *Redis) { r.prefix = prefix }
}

// NewRedis returns a limiter that keeps its state in client's Redis. It
// does not contact Redis; the script is loaded on first use.
func NewRedis(client redis.UniversalClient, opts ...RedisOption) *Redis {
	r := &Redis{client: client, prefix: DefaultRedisPrefix, script: redis.NewScript(gcraScript)}
	for _, o := range opts {
		o(r)
	}
	return r
}

// Allow records one event for key when it fits within l.
func (r *Redis) Allow(ctx context.Context, key string, l auth.Limit) (auth.Decision, error) {
	return r.decide(ctx, key, l, true)
}

// Peek reports whether one more event for key would fit, recording nothing.
func (r *Redis) Peek(ctx context.Context, key string, l auth.Limit) (auth.Decision, error) {
	return r.decide(ctx, key, l, false)
}

func (r *Redis) decide(ctx context.Context, key string, l auth.Limit, record bool) (auth.Decision, error) {
	if err := checkLimit(l, time.Microsecond); err != nil {
		return auth.Decision{}, err
	}
	flag := "0"
	if record {
		flag = "1"
	}
	res, err := r.script.Run(ctx, r.client, []string{r.prefix + key}, l.Window.Microseconds(), l.Events, flag).Int64Slice()
	if err != nil {
		err = fmt.Errorf("ratelimit: redis decide %q: %w", key, err)
		if ctx.Err() != nil {
			return auth.Decision{}, err
		}
		// Redis could not decide (unreachable, timed out, refusing): the
		// caller answers 503 with Retry-After, not 500. Fallback adds a
		// local fail mode on top (docs/architecture.md, rate limits).
		return auth.Decision{}, &auth.UnavailableError{RetryAfter: RedisRetryAfter, Err: err}
	}
	if len(res) != 2 {
		return auth.Decision{}, fmt.Errorf("ratelimit: redis decide %q: script returned %d values, want 2", key, len(res))
	}
	if res[0] == 1 {
		return auth.Decision{Allowed: true}, nil
	}
	return auth.Decision{RetryAfter: time.Duration(res[1]) * time.Microsecond}, nil
}
