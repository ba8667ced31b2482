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
	// URL is the post's address as published (resolved against the page
	// or feed that named it, without a fragment): the URL to fetch.
	URL string
	// Key is CanonicalURL(URL), the de-duplication key.
	Key string
	// Title is the feed item title or link text, "" for sitemap entries.
	Title string
	// Published is the feed date or sitemap lastmod, nil when unknown.
	Published *time.Time
	// Source is SourceFeed, SourceSitemap or SourceLinks.
	Source string
}

// Discover finds up to maxPosts candidate posts from a seed URL and
// returns them; DiscoverEach says how.
func (f *Fetcher) Discover(ctx context.Context, seedURL string, maxPosts int) ([]Candidate, error) {
	var out []Candidate
	_, err := f.DiscoverEach(ctx, seedURL, maxPosts, func(c Candidate) error {
		out = append(out, c)
		return nil
	})
	return out, err
}

// DiscoverEach finds up to maxPosts candidate posts from a seed URL and
// hands each to found as it is found, returning how many. It reads the
// seed page (which may itself be a feed), then tries in order: feeds named
// by <link rel="alternate"> and at common paths (/feed, /rss.xml,
// /atom.xml, /index.xml, /feed.xml), following their next pages (RFC
// 5005); the sitemaps listed in robots.txt and /sitemap.xml (indexes
// followed, bounded); same-site links from the seed to depth 2 with a
// page cap. The first source that yields posts wins. Candidates keep
// their URL as published and are deduplicated by CanonicalURL, and URLs robots.txt disallows are
// skipped without being fetched. found is never called while a host's
// turn is held, so it may wait on fetches of the same hosts (a feed
// page's items are handed over once the page is read). It fails when ctx
// ends, found fails, the seed is invalid or refused by the address guard,
// or nothing was found and the seed itself could not be fetched.
func (f *Fetcher) DiscoverEach(ctx context.Context, seedURL string, maxPosts int, found func(Candidate) error) (int, error) {
	seed, err := parseHTTPURL(seedURL)
	if err != nil {
		return 0, fmt.Errorf("discover: %w", err)
	}
	if err := f.policy.checkHost(seed.Hostname()); err != nil {
		return 0, fmt.Errorf("discover %s: %w", seed, err)
	}
	if maxPosts <= 0 {
		maxPosts = DefaultMaxPosts
	}
	d := &discovery{f: f, seed: seed, max: maxPosts, seen: NewURLSet(), found: found}
	d.seen.Add(CanonicalURL(seed.String()))

	page, seedErr := f.Fetch(ctx, seed.String(), append(append([]string{}, htmlTypes...), feedTypes...)...)
	if seedErr != nil && fatal(ctx, seedErr) {
		return 0, fmt.Errorf("discover %s: %w", seed, seedErr)
	}
	steps := []func(context.Context, *Page) error{d.fromFeeds, d.fromSitemaps, d.fromLinks}
	for _, step := range steps {
		if err := step(ctx, page); err != nil {
			return d.n, fmt.Errorf("discover %s: %w", seed, err)
		}
		if d.n > 0 {
			return d.n, nil
		}
	}
	if seedErr != nil {
		return 0, fmt.Errorf("discover %s: %w", seed, seedErr)
	}
	return d.n, nil
}

// fatal reports errors that end discovery rather than skip one source.
func fatal(ctx context.Context, err error) bool {
	return ctx.Err() != nil || errors.Is(err, ErrBlockedAddress)
}

// discovery is the state of one DiscoverEach call.
type discovery struct {
	f     *Fetcher
	seed  *url.URL
	max   int
	seen  *URLSet
	found func(Candidate) error
	n     int // candidates handed to found
	// later holds the candidates read from a response while it streamed,
	// handed over (robots.txt checked) once it is read: found, or a fetch
	// of robots.txt, could wait on the host turn the response holds.
	later []admitted
}

// admitted is a candidate admit let through, with its parsed URL.
type admitted struct {
	c Candidate
	u *url.URL
}

func (d *discovery) full() bool { return d.n+len(d.later) >= d.max }

// add hands a candidate over unless it is a duplicate, not http(s),
// refused by the address guard or disallowed by robots.txt. It returns
// ctx's and found's errors.
func (d *discovery) add(ctx context.Context, base *url.URL, c Candidate) error {
	c, u, ok := d.admit(base, c)
	if !ok {
		return nil
	}
	return d.place(ctx, c, u)
}

// addLater is add for use while a response streams: the candidate waits
// in later.
func (d *discovery) addLater(base *url.URL, c Candidate) {
	if c, u, ok := d.admit(base, c); ok {
		d.later = append(d.later, admitted{c, u})
	}
}

// flushLater hands over the candidates addLater kept.
func (d *discovery) flushLater(ctx context.Context) error {
	later := d.later
	d.later = nil
	for i, a := range later {
		later[i] = admitted{}
		if err := d.place(ctx, a.c, a.u); err != nil {
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
	ref.Fragment, ref.RawFragment = "", ""
	canon, ok := normaliseURL(ref.String())
	if !ok || !d.seen.Add(canon) {
		return c, nil, false
	}
	u, err := url.Parse(ref.String())
	if err != nil || d.f.policy.checkHost(u.Hostname()) != nil {
		return c, nil, false
	}
	c.URL, c.Key = u.String(), canon
	c.Title = firstNonEmpty(c.Title)
	return c, u, true
}

// place hands an admitted candidate over when robots.txt allows it.
func (d *discovery) place(ctx context.Context, c Candidate, u *url.URL) error {
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
	d.n++
	return d.found(c)
}
