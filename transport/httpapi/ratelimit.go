package httpapi

import (
	"fmt"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
)

// limitByIP is a huma middleware counting requests per client IP with
// Deps.Limiter, in a bucket of its own per operation: the key is
// "ip:<name>:<client ip>", the limit Config.AuthRateLimit per minute.
// Over the limit: 429 with Retry-After. A limiter that cannot decide
// (auth.UnavailableError) is a 503 with Retry-After; any other limiter
// failure is a 500. Either way the limit fails closed.
func (s *Server) limitByIP(name string) func(huma.Context, func(huma.Context)) {
	limit := auth.Limit{Events: s.cfg.AuthRateLimit, Window: time.Minute}
	return func(ctx huma.Context, next func(huma.Context)) {
		if s.deps.Limiter == nil || limit.Events <= 0 {
			next(ctx)
			return
		}
		key := "ip:" + name + ":" + ClientIPFrom(ctx.Context())
		d, err := s.deps.Limiter.Allow(ctx.Context(), key, limit)
		if err != nil {
			s.Error(ctx.Context(), fmt.Errorf("rate limit %s: %w", key, err)).writeHuma(ctx)
			return
		}
		if !d.Allowed {
			TooManyRequests(d.RetryAfter).writeHuma(ctx)
			return
		}
		next(ctx)
	}
}
