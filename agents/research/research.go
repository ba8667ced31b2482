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
	"sync/atomic"

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

// Discoverer finds candidate posts from a seed URL and hands each over as
// it finds it; *web.Fetcher is one.
type Discoverer interface {
	DiscoverEach(ctx context.Context, seedURL string, maxPosts int, found func(web.Candidate) error) (int, error)
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
// search, and hands each to found once, deduplicated by canonical URL but
// with its URL as published, as it is found: seeds' candidates as they
// stream in, the search's after the seeds. A seed that fails is counted
// by cause and reported; Research fails when ctx ends, found fails, or
// nothing was found and no seed (or no source at all) could be read.
func (r *Researcher) Research(ctx context.Context, b agents.Brief, found func(agents.Candidate) error) (agents.ResearchResult, error) {
	sources := len(b.SeedURLs)
	if r.searcher != nil {
		sources++
	}
	if sources == 0 {
		return agents.ResearchResult{}, fmt.Errorf("research: %w: no seed URLs and no searcher is configured", agents.ErrInvalidBrief)
	}
	// A failed hand-over stops every seed; its error is ctx's cause.
	parent := ctx
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)

	var mu sync.Mutex
	seen := web.NewURLSet()
	var n atomic.Int64
	hand := func(c agents.Candidate, key string) error {
		mu.Lock()
		fresh := key != "" && seen.Add(key)
		mu.Unlock()
		if !fresh {
			return nil
		}
		if err := found(c); err != nil {
			stop(err)
			return err
		}
		n.Add(1)
		return nil
	}

	seedErrs := make([]error, len(b.SeedURLs))
	sem := make(chan struct{}, r.cfg.ParallelSeeds)
	var wg sync.WaitGroup
	for i, seed := range b.SeedURLs {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				seedErrs[i] = context.Cause(ctx)
				return
			}
			defer func() { <-sem }()
			_, seedErrs[i] = r.disc.DiscoverEach(ctx, seed, r.cfg.MaxPostsPerSeed, func(c web.Candidate) error {
				return hand(agents.Candidate{URL: c.URL, Title: c.Title, Published: c.Published, Source: c.Source}, c.Key)
			})
		})
	}
	var hits []agents.SearchResult
	var searchErr error
	if r.searcher != nil {
		hits, searchErr = r.searcher.Search(ctx, strings.Join(b.Keywords, " "), r.cfg.SearchResults)
	}
	wg.Wait()
	if err := parent.Err(); err != nil {
		return agents.ResearchResult{Found: int(n.Load())}, err
	}
	if ctx.Err() != nil {
		return agents.ResearchResult{Found: int(n.Load())}, context.Cause(ctx)
	}
	var out agents.ResearchResult
	for i, err := range seedErrs {
		if err != nil {
			if out.SeedFailureReasons == nil {
				out.SeedFailureReasons = map[string]int{}
			}
			out.SeedFailureReasons[web.FailureReason(err)]++
			out.SeedsFailed++
			out.Problems = append(out.Problems, fmt.Sprintf("seed %s: %v", b.SeedURLs[i], err))
		}
	}
	if searchErr != nil {
		out.Problems = append(out.Problems, fmt.Sprintf("search: %v", searchErr))
	}
	for _, h := range hits {
		u := strings.TrimSpace(h.URL)
		if err := hand(agents.Candidate{URL: u, Title: h.Title, Source: SourceSearch}, web.CanonicalURL(u)); err != nil {
			return out, err
		}
	}
	out.Found = int(n.Load())
	failed := out.SeedsFailed
	if searchErr != nil {
		failed++
	}
	noSeed := len(b.SeedURLs) > 0 && out.SeedsFailed == len(b.SeedURLs)
	if (failed == sources || noSeed) && out.Found == 0 {
		return out, fmt.Errorf("research: %w: %s", agents.ErrNoSources, strings.Join(out.Problems, "; "))
	}
	return out, nil
}
