package ratelimit_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/transport/ratelimit"
)

// Two logins a minute per key: a burst of two passes, the third waits for
// the next slot, and another key has its own budget. The clock is fixed
// here so the output is exact; a server uses time.Now (the default).
func ExampleMemory() {
	ctx := context.Background()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	limiter := ratelimit.NewMemory(ratelimit.WithClock(func() time.Time { return now }))
	perMinute := auth.Limit{Events: 2, Window: time.Minute}

	try := func(key string) {
		d, err := limiter.Allow(ctx, key, perMinute)
		if err != nil {
			log.Fatal(err)
		}
		if d.Allowed {
			fmt.Println(key, "allowed")
		} else {
			fmt.Println(key, "refused, retry after", d.RetryAfter)
		}
	}
	try("login:203.0.113.7")
	try("login:203.0.113.7")
	try("login:203.0.113.7")
	try("login:198.51.100.2")

	now = now.Add(30 * time.Second) // one slot comes back
	try("login:203.0.113.7")
	try("login:203.0.113.7")
	// Output:
	// login:203.0.113.7 allowed
	// login:203.0.113.7 allowed
	// login:203.0.113.7 refused, retry after 30s
	// login:198.51.100.2 allowed
	// login:203.0.113.7 allowed
	// login:203.0.113.7 refused, retry after 30s
}
