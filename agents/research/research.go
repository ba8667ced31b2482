// Package research is the blog researcher of the outreach crew: from a
// brief's seed URLs (and, with a Searcher, a web search for its keywords)
// it finds candidate posts through a polite fetcher's discovery (feeds,
// then sitemaps, then same-site links), obeying robots.txt.
package research

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/web"
)

// SourceSearch marks a candidate that came from the Searcher.
const SourceSearch = "search"

// Defaults of Config.
const (
	DefaultMaxPostsPerSeed = web.DefaultMaxPosts
	DefaultSearchResults   = 20
	DefaultParallelSeeds   = 4
)

// Discoverer finds candidate posts from a seed URL; *web.Fetcher is one.
type Discoverer interface {
	Discover(ctx context.Context, seedURL string, maxPosts int) ([]web.Candidate, error)
}

// Config tunes the researcher. Zero fields take the defaults.
type Config struct {
	MaxPostsPerSeed int // candidates taken from one seed; default web.DefaultMaxPosts
	SearchResults   int // results asked of the Searcher; default 20
	ParallelSeeds   int // seeds discovered at once (each host stays polite); default 4
}

// Researcher implements agents.Researcher.
type Researcher struct {
	disc     Discoverer
	searcher agents.Searcher
	cfg      Config
}

var _ agents.Researcher = (*Researcher)(nil)

// New returns a Researcher over disc; searcher may be nil.
func New(disc Discoverer, searcher agents.Searcher, cfg Config) (*Researcher, error) {
	if disc == nil {
		return nil, errors.New("research: a discoverer is required")
	}
	if cfg.MaxPostsPerSeed <= 0 {
		cfg.MaxPostsPerSeed = DefaultMaxPostsPerSeed
	}
	if cfg.SearchResults <= 0 {
		cfg.SearchResults = DefaultSearchResults
	}
	if cfg.ParallelSeeds <= 0 {
		cfg.ParallelSeeds = DefaultParallelSeeds
	}
	return &Researcher{disc: disc, searcher: searcher, cfg: cfg}, nil
}

// Research discovers candidates from every seed (several at once) and the
// search, deduplicated by canonical URL, seeds first in seed order. A seed
// that fails is counted and reported; Research fails only when ctx ends or
// every source failed.
func (r *Researcher) Research(ctx context.Context, b agents.Brief) (agents.ResearchResult, error) {
	type seedResult struct {
		cands []web.Candidate
		err   error
	}
	results := make([]seedResult, len(b.SeedURLs))
	sem := make(chan struct{}, r.cfg.ParallelSeeds)
	var wg sync.WaitGroup
	for i, seed := range b.SeedURLs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i].err = ctx.Err()
				return
			}
			defer func() { <-sem }()
			cands, err := r.disc.Discover(ctx, seed, r.cfg.MaxPostsPerSeed)
			results[i] = seedResult{cands, err}
		})
	}
	var hits []agents.SearchResult
	var searchErr error
	if r.searcher != nil {
		hits, searchErr = r.searcher.Search(ctx, strings.Join(b.Keywords, " "), r.cfg.SearchResults)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return agents.ResearchResult{}, err
	}

	var out agents.ResearchResult
	seen := web.NewURLSet()
	add := func(c agents.Candidate) {
		if c.URL == "" || !seen.Add(c.URL) {
			return
		}
		out.Candidates = append(out.Candidates, c)
	}
	for i, res := range results {
		if res.err != nil {
			out.SeedsFailed++
			out.Problems = append(out.Problems, fmt.Sprintf("seed %s: %v", b.SeedURLs[i], res.err))
			continue
		}
		for _, c := range res.cands {
			add(agents.Candidate{URL: c.URL, Title: c.Title, Published: c.Published, Source: c.Source})
		}
	}
	if searchErr != nil {
		out.Problems = append(out.Problems, fmt.Sprintf("search: %v", searchErr))
	}
	for _, h := range hits {
		add(agents.Candidate{URL: web.CanonicalURL(h.URL), Title: h.Title, Source: SourceSearch})
	}
	sources := len(b.SeedURLs)
	if r.searcher != nil {
		sources++
	}
	failed := out.SeedsFailed
	if searchErr != nil {
		failed++
	}
	if sources > 0 && failed == sources {
		return out, fmt.Errorf("research: %w: %s", agents.ErrNoSources, strings.Join(out.Problems, "; "))
	}
	if sources == 0 {
		return out, fmt.Errorf("research: %w: no seed URLs and no searcher is configured", agents.ErrInvalidBrief)
	}
	return out, nil
}
