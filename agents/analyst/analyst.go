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
	// DefaultParallel caps posts read at once (requests in flight).
	// Posts are scheduled by host, so a reader only takes a post whose
	// host is free and past its delay: it hardly ever waits.
	DefaultParallel = 64
	// DefaultMaxQueued caps candidates taken but not yet read.
	DefaultMaxQueued = 4096
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
	// Parallel is how many posts are read at once, at most one per host
	// (each host's queue is read at its own polite pace); default 64.
	Parallel int
	// MaxQueued caps the candidates waiting in the hosts' queues; reading
	// the candidates pauses while it is reached. Default 4096.
	MaxQueued int
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

var _ agents.HookedAnalyst = (*Analyst)(nil)

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
	if cfg.MaxQueued <= 0 {
		cfg.MaxQueued = DefaultMaxQueued
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Analyst{fetch: fetch, cfg: cfg}, nil
}

// Analyze reads every candidate as it comes (by host, Parallel at a time) and
// returns the best b.ProspectLimit() posts above the bar, at most
// MaxPerSite per host, by relevance (ties by URL). Posts that fail to
// fetch or extract are counted in FetchFailed and skipped.
func (a *Analyst) Analyze(ctx context.Context, b agents.Brief, cands iter.Seq[agents.Candidate], progress func(done int)) (agents.AnalysisResult, error) {
	return a.AnalyzeHooked(ctx, b, cands, agents.AnalysisHooks{Progress: progress})
}

// AnalyzeHooked is Analyze reporting through hooks. A kept post is
// certain once the candidates have all been taken (research has ended)
// and the R still unread cannot push it out: its rank among the posts
// kept so far plus R is under the limit (or CertainWithin), and its rank
// among its host's plus the candidates still unread on that host is under
// MaxPerSite. The second test takes a post to land on its own URL's host;
// one that redirects or names a canonical URL on another host can, rarely,
// push out a post reported certain.
func (a *Analyst) AnalyzeHooked(ctx context.Context, b agents.Brief, cands iter.Seq[agents.Candidate], hooks agents.AnalysisHooks) (agents.AnalysisResult, error) {
	scorer, err := relevance.NewTopicScorer(a.cfg.Scorer, b.Keywords, b.Topics)
	if err != nil {
		return agents.AnalysisResult{}, fmt.Errorf("analyst: %w", err)
	}
	st := &state{
		limit: b.ProspectLimit(), perSite: min(a.cfg.MaxPerSite, b.ProspectLimit()),
		seen: web.NewURLSet(), sites: map[string][]agents.ProspectResult{},
	}
	if hooks.Certain != nil {
		st.certain = &certainty{horizon: st.limit, unread: map[string]int{}, reported: map[string]bool{}}
		if hooks.CertainWithin > 0 {
			st.certain.horizon = min(st.limit, hooks.CertainWithin)
		}
	}
	report := func(ps []agents.ProspectResult) {
		for _, p := range ps {
			hooks.Certain(p)
		}
	}
	// counted hands the candidates on, counting those not yet read by host.
	counted := func(yield func(agents.Candidate) bool) {
		for c := range cands {
			st.taken(hostOf(c.URL))
			if !yield(c) {
				return
			}
		}
		report(st.exhausted())
	}
	qcfg := web.HostQueueConfig{Workers: a.cfg.Parallel, MaxQueued: a.cfg.MaxQueued}
	if tk, ok := a.fetch.(web.TurnKeeper); ok {
		qcfg.Turns = tk
	}
	_ = web.EachByHost(ctx, qcfg, counted, func(c agents.Candidate) string { return c.URL }, func(ctx context.Context, c agents.Candidate, free func()) {
		a.readOne(ctx, b, scorer, c, st, free)
		n, certain := st.finish(hostOf(c.URL))
		report(certain)
		if hooks.Progress != nil {
			hooks.Progress(n)
		}
	})
	if err := ctx.Err(); err != nil {
		return agents.AnalysisResult{}, err
	}
	return st.result(), nil
}

// readOne fetches, extracts, dedupes and scores one candidate; fetched is
// called once the page is fetched (its host is free for the next).
func (a *Analyst) readOne(ctx context.Context, b agents.Brief, scorer *relevance.Scorer, c agents.Candidate, st *state, fetched func()) {
	if ctx.Err() != nil {
		return
	}
	p, kind, err := a.read(ctx, c.URL, fetched)
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
	fresh, _, err := a.read(ctx, p.URL, nil)
	if err != nil {
		return p, fmt.Errorf("reload %s: %w", p.URL, err)
	}
	p.Text = fresh.Text
	if p.Title == "" {
		p.Title = fresh.Title
	}
	return p, nil
}

// read fetches and extracts one post, calling fetched (when set) between
// the two, and says what kind of page it is (web.KindArticle,
// web.KindListing or ""); the page body is dropped on return.
func (a *Analyst) read(ctx context.Context, rawURL string, fetched func()) (agents.ProspectResult, string, error) {
	page, err := a.fetch.Fetch(ctx, rawURL)
	if fetched != nil {
		fetched()
	}
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
	certain *certainty // nil when nobody asked
}

// certainty is what telling the certain prospects takes.
type certainty struct {
	horizon  int            // report prospects certain to rank under it
	unread   map[string]int // candidates taken but not done, by host
	left     int            // their sum
	all      bool           // every candidate has been taken
	reported map[string]bool
}

func (st *state) add(fn func(*agents.AnalysisResult)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	fn(&st.res)
}

// taken counts a candidate of host taken from the sequence.
func (st *state) taken(host string) {
	if st.certain == nil {
		return
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.certain.unread[host]++
	st.certain.left++
}

// exhausted records that every candidate has been taken and returns the
// prospects that makes certain.
func (st *state) exhausted() []agents.ProspectResult {
	if st.certain == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	st.certain.all = true
	return st.newlyCertainLocked()
}

// finish counts a candidate of host done and returns how many are, and
// the prospects that makes certain.
func (st *state) finish(host string) (int, []agents.ProspectResult) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.n++
	if st.certain == nil {
		return st.n, nil
	}
	c := st.certain
	if c.unread[host]--; c.unread[host] <= 0 {
		delete(c.unread, host)
	}
	c.left--
	return st.n, st.newlyCertainLocked()
}

// newlyCertainLocked returns, best first, the kept prospects not reported
// yet that the candidates still unread cannot push out of the first
// horizon (see AnalyzeHooked); callers hold st.mu.
func (st *state) newlyCertainLocked() []agents.ProspectResult {
	c := st.certain
	free := c.horizon - c.left // the ranks certain to stay under horizon
	if !c.all || free <= 0 {
		return nil
	}
	all := make([]agents.ProspectResult, 0, len(st.sites))
	for _, ps := range st.sites {
		all = append(all, ps...)
	}
	slices.SortFunc(all, better)
	var out []agents.ProspectResult
	for _, p := range all[:min(free, len(all))] {
		if c.reported[p.CanonicalURL] {
			continue
		}
		host := hostOf(p.CanonicalURL)
		onSite := slices.IndexFunc(st.sites[host], func(q agents.ProspectResult) bool { return q.CanonicalURL == p.CanonicalURL })
		if onSite+c.unread[host] >= st.perSite {
			continue
		}
		c.reported[p.CanonicalURL] = true
		out = append(out, p)
	}
	return out
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
