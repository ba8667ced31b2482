package auth

import (
	"context"
	"strings"
	"sync"
	"time"
)

// Revocations carries "this session (or this user's sessions) changed"
// between instances, so each instance can drop what it cached. Keys are
// "session:<id>" or "user:<id>"; a Watch channel may also deliver "*",
// meaning "notices may have been lost: forget everything".
type Revocations interface {
	// Announce tells every instance, this one included, that key changed.
	Announce(ctx context.Context, key string) error
	// Watch delivers announced keys until ctx ends.
	Watch(ctx context.Context) (<-chan string, error)
}

// sessionCache keeps recent session lookups of Authenticate for a short
// TTL. It is bounded: when full, expired entries are dropped first and
// then everything (a burst of new sessions only costs lookups).
type sessionCache struct {
	ttl time.Duration
	max int
	mu  sync.RWMutex
	m   map[string]cachedSession
}

type cachedSession struct {
	sess  Session
	user  User
	until time.Time
}

func newSessionCache(ttl time.Duration, maxEntries int) *sessionCache {
	return &sessionCache{ttl: ttl, max: maxEntries, m: make(map[string]cachedSession)}
}

func (c *sessionCache) get(id string, now time.Time) (*Session, *User, bool) {
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok || !now.Before(e.until) {
		return nil, nil, false
	}
	s, u := e.sess, e.user
	return &s, &u, true
}

func (c *sessionCache) put(s *Session, u *User, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.until) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[s.ID] = cachedSession{sess: *s, user: *u, until: now.Add(c.ttl)}
}

// drop forgets what key names: "session:<id>", "user:<id>" or "*".
func (c *sessionCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key == "*" {
		clear(c.m)
		return
	}
	if id, ok := strings.CutPrefix(key, "session:"); ok {
		delete(c.m, id)
		return
	}
	if id, ok := strings.CutPrefix(key, "user:"); ok {
		for k, e := range c.m {
			if e.user.ID == id {
				delete(c.m, k)
			}
		}
	}
}
