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
	d := &discovery{f: f, seed: seed, max: maxPosts, seen: NewURLSet()}
	d.seen.Add(CanonicalURL(seed.String()))

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
	seen *URLSet
	out  []Candidate
	// later holds candidates found while a response was streaming whose
	// origin's robots.txt was not cached: fetching it then could wait on
	// a host turn another streaming discovery holds.
	later []Candidate
}

func (d *discovery) full() bool { return len(d.out)+len(d.later) >= d.max }

// add records a candidate unless it is a duplicate, not http(s), refused
// by the address guard or disallowed by robots.txt. It returns ctx errors.
func (d *discovery) add(ctx context.Context, base *url.URL, c Candidate) error {
	c, u, ok := d.admit(base, c)
	if !ok {
		return nil
	}
	return d.place(ctx, c, u)
}

// addStreaming is add for use while a response streams: it never fetches,
// and puts candidates of origins whose robots.txt is not cached in later.
func (d *discovery) addStreaming(base *url.URL, c Candidate) {
	c, u, ok := d.admit(base, c)
	if !ok {
		return
	}
	rules, cached := d.f.cachedRobots(u)
	switch {
	case !cached:
		d.later = append(d.later, c)
	case rules.allowed(u):
		d.out = append(d.out, c)
	}
}

// flushLater checks robots.txt for the candidates addStreaming put off.
func (d *discovery) flushLater(ctx context.Context) error {
	later := d.later
	d.later = nil
	for _, c := range later {
		u, err := url.Parse(c.URL)
		if err != nil {
			continue
		}
		if err := d.place(ctx, c, u); err != nil {
			return err
		}
	}
	return nil
}

// admit canonicalises c's URL against base and checks that it is new,
// http(s) and passes the address guard.
func (d *discovery) admit(base *url.URL, c Candidate) (Candidate, *url.URL, bool) {
	if d.full() {
		return c, nil, false
	}
	ref, err := base.Parse(strings.TrimSpace(c.URL))
	if err != nil {
		return c, nil, false
	}
	canon, ok := normaliseURL(ref.String())
	if !ok || !d.seen.Add(canon) {
		return c, nil, false
	}
	u, err := url.Parse(canon)
	if err != nil || d.f.policy.checkHost(u.Hostname()) != nil {
		return c, nil, false
	}
	c.URL = canon
	c.Title = firstNonEmpty(c.Title)
	return c, u, true
}

// place appends an admitted candidate that robots.txt allows.
func (d *discovery) place(ctx context.Context, c Candidate, u *url.URL) error {
	rules, err := d.f.robotsFor(ctx, u)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return nil
	}
	if rules.allowed(u) {
		d.out = append(d.out, c)
	}
	return nil
}
