package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// robotsMaxBytes is how much of a robots.txt is read (Google reads 500 KiB).
const robotsMaxBytes = 512 << 10

// robotsRules is one origin's parsed robots.txt, as it applies to us.
type robotsRules struct {
	data       *robotstxt.RobotsData
	agent      string
	crawlDelay time.Duration
}

// allowed reports whether robots.txt lets us fetch u.
func (r *robotsRules) allowed(u *url.URL) bool {
	if u.EscapedPath() == "/robots.txt" {
		return true
	}
	p := u.EscapedPath()
	if p == "" {
		p = "/"
	}
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return r.data.TestAgent(p, r.agent)
}

// sitemaps lists the Sitemap: lines.
func (r *robotsRules) sitemaps() []string { return r.data.Sitemaps }

// robotsEntry is a cache slot; ready is closed once rules/err are set.
type robotsEntry struct {
	ready   chan struct{}
	rules   *robotsRules
	err     error
	expires time.Time
}

// robotsCache keeps each origin's robots.txt for a TTL and fetches it once
// however many callers ask at the same time.
type robotsCache struct {
	mu      sync.Mutex
	entries map[string]*robotsEntry
}

func newRobotsCache() *robotsCache {
	return &robotsCache{entries: make(map[string]*robotsEntry)}
}

// robotsFor returns the robots rules of u's origin, fetching robots.txt
// when it is not cached or has expired. A 4xx means no rules, a 5xx means
// everything is disallowed; a network failure is returned as an error.
func (f *Fetcher) robotsFor(ctx context.Context, u *url.URL) (*robotsRules, error) {
	origin := u.Scheme + "://" + hostKey(u)
	c := f.robots
	for {
		c.mu.Lock()
		e := c.entries[origin]
		now := time.Now()
		if e != nil {
			select {
			case <-e.ready:
				if now.After(e.expires) {
					e = nil
				}
			default:
			}
		}
		if e == nil {
			if len(c.entries) >= pruneAbove {
				c.pruneLocked(now)
			}
			e = &robotsEntry{ready: make(chan struct{})}
			c.entries[origin] = e
			c.mu.Unlock()
			e.rules, e.err = f.loadRobots(ctx, u)
			e.expires = time.Now().Add(f.cfg.RobotsTTL)
			if e.err != nil {
				e.expires = time.Time{}
			}
			close(e.ready)
			return e.rules, e.err
		}
		c.mu.Unlock()
		select {
		case <-e.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if e.err != nil && (errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			continue // another caller gave up; try ourselves
		}
		return e.rules, e.err
	}
}

func (c *robotsCache) pruneLocked(now time.Time) {
	for k, e := range c.entries {
		select {
		case <-e.ready:
			if now.After(e.expires) {
				delete(c.entries, k)
			}
		default:
		}
	}
}

// loadRobots fetches and parses robots.txt for u's origin.
func (f *Fetcher) loadRobots(ctx context.Context, u *url.URL) (*robotsRules, error) {
	ru := url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	page, err := f.get(ctx, ru.String(), []string{"*/*"}, fetchOpts{skipRobots: true, truncate: true, maxBytes: robotsMaxBytes})
	if err != nil {
		return nil, fmt.Errorf("robots.txt: %w", err)
	}
	data, err := robotstxt.FromStatusAndBytes(page.Status, page.Body)
	if err != nil {
		// Unparsable or odd status: be conservative and keep off the site
		// until the entry expires.
		data, _ = robotstxt.FromStatusAndBytes(500, nil)
	}
	g := data.FindGroup(f.agent)
	return &robotsRules{data: data, agent: f.agent, crawlDelay: g.CrawlDelay}, nil
}

// Allowed reports whether the site's robots.txt lets this Fetcher fetch
// rawURL (fetching and caching robots.txt if needed).
func (f *Fetcher) Allowed(ctx context.Context, rawURL string) (bool, error) {
	u, err := parseHTTPURL(rawURL)
	if err != nil {
		return false, err
	}
	if err := f.policy.checkHost(u.Hostname()); err != nil {
		return false, fmt.Errorf("robots for %s: %w", u, err)
	}
	rules, err := f.robotsFor(ctx, u)
	if err != nil {
		return false, fmt.Errorf("robots for %s: %w", u, err)
	}
	return rules.allowed(u), nil
}
