package web

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Candidate sources.
const (
	SourceFeed    = "feed"
	SourceSitemap = "sitemap"
	SourceLinks   = "links"
)

// DefaultMaxPosts is Discover's cap when maxPosts is zero or negative.
const DefaultMaxPosts = 100

// Candidate is a post Discover found but has not fetched.
type Candidate struct {
	// URL is the post's canonical URL (CanonicalURL of the link).
	URL string
	// Title is the feed item title or link text, "" for sitemap entries.
	Title string
	// Published is the feed date or sitemap lastmod, nil when unknown.
	Published *time.Time
	// Summary is the feed item's description as plain text (capped), else "".
	Summary string
	// Source is SourceFeed, SourceSitemap or SourceLinks.
	Source string
}

// Discover finds up to maxPosts candidate posts from a seed URL. It reads
// the seed page (which may itself be a feed), then tries in order: feeds
// named by <link rel="alternate"> and at common paths (/feed, /rss.xml,
// /atom.xml, /index.xml, /feed.xml); the sitemaps listed in robots.txt and
// /sitemap.xml (indexes followed, bounded); same-site links from the seed
// to depth 2 with a page cap. The first source that yields posts wins.
// Candidates are canonicalised and deduplicated, and URLs robots.txt
// disallows are skipped without being fetched. It fails only when ctx
// ends, the seed is invalid or refused by the address guard, or nothing
// was found and the seed itself could not be fetched.
func (f *Fetcher) Discover(ctx context.Context, seedURL string, maxPosts int) ([]Candidate, error) {
	seed, err := parseHTTPURL(seedURL)
	if err != nil {
		return nil, fmt.Errorf("discover: %w", err)
	}
	if err := f.policy.checkHost(seed.Hostname()); err != nil {
		return nil, fmt.Errorf("discover %s: %w", seed, err)
	}
	if maxPosts <= 0 {
		maxPosts = DefaultMaxPosts
	}
	d := &discovery{f: f, seed: seed, max: maxPosts, seen: make(map[string]bool)}
	d.seen[CanonicalURL(seed.String())] = true

	page, seedErr := f.Fetch(ctx, seed.String(), append(append([]string{}, htmlTypes...), feedTypes...)...)
	if seedErr != nil && fatal(ctx, seedErr) {
		return nil, fmt.Errorf("discover %s: %w", seed, seedErr)
	}
	steps := []func(context.Context, *Page) error{d.fromFeeds, d.fromSitemaps, d.fromLinks}
	for _, step := range steps {
		if err := step(ctx, page); err != nil {
			return d.out, fmt.Errorf("discover %s: %w", seed, err)
		}
		if len(d.out) > 0 {
			return d.out, nil
		}
	}
	if seedErr != nil {
		return nil, fmt.Errorf("discover %s: %w", seed, seedErr)
	}
	return d.out, nil
}

// fatal reports errors that end discovery rather than skip one source.
func fatal(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, ErrBlockedAddress)
}

// discovery is the state of one Discover call.
type discovery struct {
	f    *Fetcher
	seed *url.URL
	max  int
	seen map[string]bool
	out  []Candidate
}

func (d *discovery) full() bool { return len(d.out) >= d.max }

// add records a candidate unless it is a duplicate, not http(s), refused
// by the address guard or disallowed by robots.txt. It returns ctx errors.
func (d *discovery) add(ctx context.Context, base *url.URL, c Candidate) error {
	if d.full() {
		return nil
	}
	ref, err := base.Parse(strings.TrimSpace(c.URL))
	if err != nil {
		return nil
	}
	canon, ok := normaliseURL(ref.String())
	if !ok || d.seen[canon] {
		return nil
	}
	d.seen[canon] = true
	u, err := url.Parse(canon)
	if err != nil || d.f.policy.checkHost(u.Hostname()) != nil {
		return nil
	}
	rules, err := d.f.robotsFor(ctx, u)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	}
	if !rules.allowed(u) {
		return nil
	}
	c.URL = canon
	c.Title = firstNonEmpty(c.Title)
	d.out = append(d.out, c)
	return nil
}
