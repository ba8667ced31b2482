// Package analyst is the content analyst of the outreach crew: it fetches
// each candidate post, extracts its text and metadata, detects whether it
// takes comments, dedupes by canonical URL, scores relevance to the
// campaign's keywords (BM25 plus recency) and keeps the best posts, at most
// a few per site. It streams: a page body lives only while its post is
// being read, and only the posts it is keeping hold their text.
package analyst

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/relevance"
	"github.com/kpbot/kpbot/agents/web"
)

// Defaults of Config.
const (
	DefaultMinRelevance = 0.02
	DefaultMaxPerSite   = 10
	DefaultParallel     = 4
)

// PageFetcher fetches a page; *web.Fetcher is one.
type PageFetcher interface {
	Fetch(ctx context.Context, rawURL string, accept ...string) (*web.Page, error)
}

// Config tunes the analyst. Zero fields take the defaults.
type Config struct {
	// MinRelevance is the bar (0..1, relevance.Scorer's Coverage) a post
	// must reach to become a prospect; default 0.02. Negative means no bar.
	// Coverage does not depend on the posts read before, so which posts
	// pass does not depend on the order they arrive in.
	MinRelevance float64
	// MaxPerSite caps prospects from one host; default 10.
	MaxPerSite int
	// Parallel is how many posts are read at once (the fetcher keeps each
	// host to one request at a time); default 4.
	Parallel int
	// Scorer tunes relevance scoring.
	Scorer relevance.Config
	// Now is the clock for recency; default time.Now.
	Now func() time.Time
}

// Analyst implements agents.Analyst.
type Analyst struct {
	fetch PageFetcher
	cfg   Config
}

var _ agents.Analyst = (*Analyst)(nil)

// New returns an Analyst that reads posts through fetch.
func New(fetch PageFetcher, cfg Config) (*Analyst, error) {
	if fetch == nil {
		return nil, errors.New("analyst: a page fetcher is required")
	}
	if err := cfg.Scorer.Validate(); err != nil {
		return nil, fmt.Errorf("analyst: %w", err)
	}
	if cfg.MinRelevance == 0 {
		cfg.MinRelevance = DefaultMinRelevance
	}
	if cfg.MaxPerSite <= 0 {
		cfg.MaxPerSite = DefaultMaxPerSite
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = DefaultParallel
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Analyst{fetch: fetch, cfg: cfg}, nil
}

// Analyze reads every candidate as it comes (Parallel at a time) and
// returns the best b.ProspectLimit() posts above the bar, at most
// MaxPerSite per host, by relevance (ties by URL). Posts that fail to
// fetch or extract are counted in FetchFailed and skipped.
func (a *Analyst) Analyze(ctx context.Context, b agents.Brief, cands iter.Seq[agents.Candidate], progress func(done int)) (agents.AnalysisResult, error) {
	scorer, err := relevance.NewTopicScorer(a.cfg.Scorer, b.Keywords, b.Topics)
	if err != nil {
		return agents.AnalysisResult{}, fmt.Errorf("analyst: %w", err)
	}
	st := &state{
		limit: b.ProspectLimit(), perSite: min(a.cfg.MaxPerSite, b.ProspectLimit()),
		seen: web.NewURLSet(), sites: map[string][]agents.ProspectResult{},
	}
	jobs := make(chan agents.Candidate)
	var wg sync.WaitGroup
	for range a.cfg.Parallel {
		wg.Go(func() {
			for c := range jobs {
				a.readOne(ctx, b, scorer, c, st)
				if progress != nil {
					progress(st.done())
				}
			}
		})
	}
feed:
	for c := range cands {
		select {
		case jobs <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return agents.AnalysisResult{}, err
	}
	return st.result(), nil
}

// readOne fetches, extracts, dedupes and scores one candidate.
func (a *Analyst) readOne(ctx context.Context, b agents.Brief, scorer *relevance.Scorer, c agents.Candidate, st *state) {
	defer st.finish()
	if ctx.Err() != nil {
		return
	}
	p, kind, err := a.read(ctx, c.URL)
	if err != nil {
		if ctx.Err() != nil {
			return
		}
		reason := agents.FailureReason(err)
		st.add(func(r *agents.AnalysisResult) {
			r.FetchFailed++
			if r.FailureReasons == nil {
				r.FailureReasons = map[string]int{}
			}
			r.FailureReasons[reason]++
		})
		return
	}
	if kind == web.KindListing && c.Source != web.SourceFeed {
		// The page's own signals win over a path that looked like a post.
		st.add(func(r *agents.AnalysisResult) { r.Fetched++; r.NotArticles++ })
		return
	}
	if p.PublishedAt == nil {
		p.PublishedAt = c.Published
	}
	if p.Title == "" {
		p.Title = c.Title
	}
	if !st.claim(p.CanonicalURL) {
		st.add(func(r *agents.AnalysisResult) { r.Fetched++; r.Duplicates++ })
		return
	}
	var coverage float64
	p.Relevance, coverage = scorer.Rate(p.Text, p.Title, p.PublishedAt, a.cfg.Now())
	if !sameLanguage(b.Language, p.Language) {
		st.add(func(r *agents.AnalysisResult) { r.Fetched++; r.LanguageSkipped++ })
		return
	}
	if coverage < a.cfg.MinRelevance {
		st.add(func(r *agents.AnalysisResult) { r.Fetched++; r.BelowBar++ })
		return
	}
	p.CampaignID = b.CampaignID
	st.keep(p)
}

// Reload fetches p's post again and fills in its Text (and anything
// extraction now finds that p lacks).
func (a *Analyst) Reload(ctx context.Context, b agents.Brief, p agents.ProspectResult) (agents.ProspectResult, error) {
	fresh, _, err := a.read(ctx, p.URL)
	if err != nil {
		return p, fmt.Errorf("reload %s: %w", p.URL, err)
	}
	p.Text = fresh.Text
	if p.Title == "" {
		p.Title = fresh.Title
	}
	return p, nil
}

// read fetches and extracts one post, and says what kind of page it is
// (web.KindArticle, web.KindListing or ""); the page body is dropped on
// return.
func (a *Analyst) read(ctx context.Context, rawURL string) (agents.ProspectResult, string, error) {
	page, err := a.fetch.Fetch(ctx, rawURL)
	if err != nil {
		return agents.ProspectResult{}, "", &agents.FetchError{Reason: web.FailureReason(err), Err: fmt.Errorf("fetch %s: %w", rawURL, err)}
	}
	art, err := web.ExtractPage(page)
	if err != nil {
		return agents.ProspectResult{}, "", &agents.FetchError{Reason: web.FailureReason(err), Err: fmt.Errorf("extract %s: %w", rawURL, err)}
	}
	canon := art.CanonicalURL
	if canon == "" {
		canon = web.CanonicalURL(page.FinalURL)
	}
	return agents.ProspectResult{
		URL:             page.FinalURL,
		CanonicalURL:    canon,
		Site:            art.Site,
		Title:           art.Title,
		Author:          art.Author,
		PublishedAt:     art.Published,
		Summary:         art.Excerpt,
		Text:            art.Text,
		Language:        art.Lang,
		Dir:             art.Dir,
		AcceptsComments: art.Comments.Open,
		CommentSystem:   art.Comments.System,
	}, art.Kind, nil
}

// sameLanguage reports whether a post in lang suits a campaign in want
// (primary subtags equal); a campaign in "any" language takes every post,
// and a post whose language is unknown suits every campaign.
func sameLanguage(want, lang string) bool {
	if want == "" || strings.EqualFold(want, "any") || lang == "" {
		return true
	}
	primary := func(s string) string {
		s, _, _ = strings.Cut(strings.ToLower(s), "-")
		s, _, _ = strings.Cut(s, "_")
		return s
	}
	return primary(want) == primary(lang)
}

// state is one Analyze's bookkeeping, shared by its readers.
type state struct {
	mu      sync.Mutex
	limit   int
	perSite int
	seen    *web.URLSet // canonical URLs of the posts read so far
	sites   map[string][]agents.ProspectResult
	res     agents.AnalysisResult
	n       int
}

func (st *state) add(fn func(*agents.AnalysisResult)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fn(&st.res)
}

func (st *state) finish() {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.n++
}

func (st *state) done() int {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.n
}

// claim marks a canonical URL read; false when another post had it.
func (st *state) claim(canon string) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.seen.Add(canon)
}

// keep adds p to its site's best posts, dropping the site's worst when
// over the cap, so at most perSite posts (and their text) are held per host.
func (st *state) keep(p agents.ProspectResult) {
	host := hostOf(p.CanonicalURL)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.res.Fetched++
	kept := append(st.sites[host], p)
	slices.SortFunc(kept, better)
	if len(kept) > st.perSite {
		kept[len(kept)-1] = agents.ProspectResult{} // let its text go
		kept = kept[:st.perSite]
		st.res.OverCap++
	}
	st.sites[host] = kept
}

// result merges the sites' best posts into the overall best limit.
func (st *state) result() agents.AnalysisResult {
	st.mu.Lock()
	defer st.mu.Unlock()
	var all []agents.ProspectResult
	for _, ps := range st.sites {
		all = append(all, ps...)
	}
	slices.SortFunc(all, better)
	if len(all) > st.limit {
		st.res.OverCap += len(all) - st.limit
		all = all[:st.limit]
	}
	out := st.res
	out.Prospects = all
	return out
}

// better orders prospects best first: higher relevance, then URL.
func better(a, b agents.ProspectResult) int {
	switch {
	case a.Relevance > b.Relevance:
		return -1
	case a.Relevance < b.Relevance:
		return 1
	}
	return strings.Compare(a.CanonicalURL, b.CanonicalURL)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return strings.ToLower(u.Host)
}
