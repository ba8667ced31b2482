package agents

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
	"time"
)

// Researcher is the blog researcher's port: it finds candidate posts for a
// brief (seed sites, search).
type Researcher interface {
	// Research hands the brief's candidate posts to found as it finds
	// them, deduplicated by URL; found may be called from several
	// goroutines at once, and its error ends the research. Research fails
	// when ctx ends, found fails, or it found nothing and could not read
	// any source.
	Research(ctx context.Context, b Brief, found func(Candidate) error) (ResearchResult, error)
}

// ResearchResult is what the researcher counted.
type ResearchResult struct {
	Found       int      // candidates handed to found
	SeedsFailed int      // seeds that could not be read
	Problems    []string // one line per failed seed or search
	// SeedFailureReasons counts the failed seeds by cause (FetchError.Reason).
	SeedFailureReasons map[string]int
}

// FetchError is a failure to fetch or read a page, with its cause named
// (robots, not_found, blocked_address, timeout, ...) so runs can count
// failures by cause.
type FetchError struct {
	Reason string
	Err    error
}

// Error is the wrapped error's text.
func (e *FetchError) Error() string { return e.Err.Error() }

// Unwrap returns the wrapped error.
func (e *FetchError) Unwrap() error { return e.Err }

// FailureReason is err's FetchError reason, or "other".
func FailureReason(err error) string {
	var fe *FetchError
	if errors.As(err, &fe) && fe.Reason != "" {
		return fe.Reason
	}
	return "other"
}

// Analyst is the content analyst's port: it reads candidates and keeps the
// relevant ones, streaming (it never keeps more page text than the
// prospects it is holding).
type Analyst interface {
	// Analyze fetches and scores the candidates as they come and returns
	// at most b.ProspectLimit() prospects, best first; progress, when not
	// nil, is called with the number of candidates done, possibly from
	// several goroutines at once. Failing posts are counted, not fatal.
	Analyze(ctx context.Context, b Brief, cands iter.Seq[Candidate], progress func(done int)) (AnalysisResult, error)
	// Reload fetches a prospect's post again to fill in its Text (a
	// resumed run's checkpoint keeps prospects without text).
	Reload(ctx context.Context, b Brief, p ProspectResult) (ProspectResult, error)
}

// AnalysisHooks are what an analysis reports while it still reads.
type AnalysisHooks struct {
	// Progress, when set, is called with the number of candidates done,
	// possibly from several goroutines at once.
	Progress func(done int)
	// Certain, when set, is called once for each prospect the analysis is
	// already certain to return among its first CertainWithin prospects
	// (however the posts still unread turn out), as soon as it is, with
	// its Text; possibly from several goroutines at once, and never after
	// the analysis returns. A prospect it is not called for may still be
	// returned (most are certain only at the very end).
	Certain func(ProspectResult)
	// CertainWithin narrows Certain to the first CertainWithin prospects
	// of the result; 0 means all of them (b.ProspectLimit()).
	CertainWithin int
}

// HookedAnalyst is an Analyst that reports, before it returns, the
// prospects it is certain to keep, so the crew can draft them while the
// last posts are still being read (docs/architecture.md, "How data flows").
type HookedAnalyst interface {
	Analyst
	// AnalyzeHooked is Analyze reporting through hooks.
	AnalyzeHooked(ctx context.Context, b Brief, cands iter.Seq[Candidate], hooks AnalysisHooks) (AnalysisResult, error)
}

// AnalysisResult is what the analyst kept and counted.
type AnalysisResult struct {
	Prospects   []ProspectResult
	Fetched     int // posts fetched and extracted
	FetchFailed int // posts that could not be fetched or read
	Duplicates  int // posts whose canonical URL was seen already
	BelowBar    int // posts under the relevance bar
	// LanguageSkipped counts posts skipped for not being in the
	// campaign's language.
	LanguageSkipped int
	// NotArticles counts pages found by links, sitemaps or search that
	// said they were not an article (a listing, a home page).
	NotArticles int
	OverCap     int // relevant posts dropped by the per-site cap or MaxProspects
	// FailureReasons counts FetchFailed by cause (FetchError.Reason).
	FailureReasons map[string]int
}

// Writer is the comment writer's port, with the quality reviewer as its
// guardrail: it returns the final draft, passed or flagged.
type Writer interface {
	// Draft writes and reviews a comment for p; others are the campaign's
	// other drafts, for the near-duplicate check. An error means the LLM
	// could not write at all (budget spent, server down).
	Draft(ctx context.Context, b Brief, p ProspectResult, others []string) (DraftResult, error)
}

// NearCopyChecker is a Writer that can tell whether a draft is a near-copy
// of others. Drafts are written knowing only the campaign's drafts from
// before the run (they are written at once, some while analysis still
// reads), so the crew checks each against the run's drafts stored before
// it, and has the writer redraft (seeing them all) when it is a near-copy.
type NearCopyChecker interface {
	NearCopy(b Brief, body string, others []string) bool
}

// Redrafter is a Writer that can write a draft again as retries of a
// draft it wrote (the reviewer's reasons as feedback) rather than from
// scratch: the crew redrafts a near-copy found when storing with it when
// the Writer has it (docs/architecture.md, "How data flows").
type Redrafter interface {
	// Redraft reviews prev, the writer's draft for p, against others and,
	// when it fails, retries it with the reviewer's reasons, numbering
	// attempts on from prev.Attempts; a draft failing the same check twice
	// is kept with its flags. The result counts prev's attempts and usage.
	Redraft(ctx context.Context, b Brief, p ProspectResult, others []string, prev DraftResult) (DraftResult, error)
}

// DefaultDraftConcurrency is how many drafts are written at once when
// Members.DraftConcurrency is zero.
const DefaultDraftConcurrency = 4

// Members are the outreach crew's workers and where they write.
type Members struct {
	Researcher Researcher
	Analyst    Analyst
	Writer     Writer
	Sink       Sink
	// Model is the model the writer's LLM answers with, as the crew's
	// agent list (Crew.Agents, GET /api/agents) shows it; "" when unknown.
	Model string
	// Now is the clock for the daily draft limit; default time.Now.
	Now func() time.Time
	// DraftConcurrency is how many drafts (model calls) are written at
	// once; 0 means DefaultDraftConcurrency. With a HookedAnalyst, the
	// drafts of prospects analysis is certain to keep start before it
	// ends. Drafts are still stored and evented in the prospects' order;
	// each is written knowing the campaign's drafts from before the run
	// and checked against the run's drafts stored before it: those more
	// than DraftConcurrency places before it as soon as they are stored
	// (a near-copy is redrafted at once, knowing them), the rest when it
	// is stored (redrafted again, seeing all, when a near-copy), so the
	// output does not depend on timing.
	DraftConcurrency int
}

// The outreach crew's task names, which are also its run steps.
const (
	TaskResearch = "research"
	TaskAnalysis = "analysis"
	TaskDrafting = "drafting"
)

// OutreachCrew returns the crew a campaign run executes: research feeding
// analysis as it finds posts (prospects saved and checkpointed), then
// drafting (each draft reviewed, retried with the reviewer's reasons and
// saved). Research and analysis run together, so the candidates are never
// all held at once; with a HookedAnalyst, the model calls of drafting
// start during analysis for the prospects it is already certain to keep,
// and drafting stores them once analysis ends.
func OutreachCrew(m Members) (Crew, error) {
	if m.Researcher == nil || m.Analyst == nil || m.Writer == nil || m.Sink == nil {
		return Crew{}, errors.New("outreach crew: researcher, analyst, writer and sink are required")
	}
	if m.Now == nil {
		m.Now = time.Now
	}
	researcher, analyst, writer, reviewer := BlogResearcher, ContentAnalyst, CommentWriter, QualityReviewer
	writer.Model = m.Model
	return Crew{Name: "outreach", Tasks: []Task{
		{Name: TaskResearch, Agent: &researcher, Weight: 1, Feeds: true, Run: m.research,
			Description: "find candidate posts from the seed sites and search"},
		{Name: TaskAnalysis, Agent: &analyst, Weight: 4, Checkpoint: true, Run: m.analyze,
			Description: "fetch, extract, score and keep the most relevant posts as prospects"},
		{Name: TaskDrafting, Agent: &writer, Assistants: []*Agent{&reviewer}, Weight: 3, Run: m.draft,
			Description: "draft and review one comment per prospect that takes comments"},
	}}, nil
}

func (m Members) research(ctx context.Context, tc *TaskContext) error {
	tc.UpdateStats(func(s *Stats) { s.PostsDiscovered, s.SeedsFailed = 0, 0 }) // counted again on resume
	res, err := m.Researcher.Research(ctx, tc.Brief, func(c Candidate) error {
		if err := Send(ctx, tc, c); err != nil {
			return err
		}
		tc.Count(CountCandidates, 1)
		return nil
	})
	tc.Count(CountSeedsFailed, res.SeedsFailed)
	tc.UpdateStats(func(s *Stats) { s.SeedFailuresByReason = maps.Clone(res.SeedFailureReasons) })
	if err != nil {
		return fmt.Errorf("blog researcher: %w", err)
	}
	return nil
}

func (m Members) analyze(ctx context.Context, tc *TaskContext) error {
	cands, ok := Receive[Candidate](tc, TaskResearch)
	if !ok {
		return errors.New("content analyst: research does not feed it")
	}
	tc.UpdateStats(func(s *Stats) { // counted again on resume
		s.Prospects, s.PostsFetched, s.FetchFailures, s.LanguageSkipped = 0, 0, 0, 0
	})
	progress := func(done int) {
		// Of the posts found so far: research may still be finding more.
		if found := tc.Stats().PostsDiscovered; found > 0 {
			tc.Progress(ctx, float64(done)/float64(max(found, done))*0.95)
		}
	}
	var res AnalysisResult
	var early *drafts // drafts started for the prospects analysis is certain of
	if ha, ok := m.Analyst.(HookedAnalyst); ok {
		hooks := AnalysisHooks{Progress: progress}
		var err error
		early, hooks.CertainWithin, err = m.earlyDrafts(ctx, tc.Brief)
		if err != nil {
			return err
		}
		if early != nil {
			hooks.Certain = early.startEarly
			// Handed to drafting with the output; stopped here otherwise.
			defer func() {
				if early != nil {
					early.close()
				}
			}()
		}
		res, err = ha.AnalyzeHooked(ctx, tc.Brief, cands, hooks)
		if err != nil {
			return fmt.Errorf("content analyst: %w", err)
		}
	} else {
		var err error
		res, err = m.Analyst.Analyze(ctx, tc.Brief, cands, progress)
		if err != nil {
			return fmt.Errorf("content analyst: %w", err)
		}
	}
	tc.UpdateStats(func(s *Stats) {
		s.Duplicates, s.FetchFailuresByReason = res.Duplicates, maps.Clone(res.FailureReasons)
	})
	tc.Count(CountFetched, res.Fetched)
	tc.Count(CountFetchFailed, res.FetchFailed)
	tc.Count(CountBelowBar, res.BelowBar)
	tc.Count(CountLanguageSkipped, res.LanguageSkipped)
	tc.Count(CountNotArticles, res.NotArticles)
	tc.Count(CountOverCap, res.OverCap)
	for i, p := range res.Prospects {
		if err := ctx.Err(); err != nil {
			return err
		}
		p.CampaignID = tc.Brief.CampaignID
		id, created, err := m.Sink.SaveProspect(ctx, p)
		if err != nil {
			return fmt.Errorf("save prospect %s: %w", p.CanonicalURL, err)
		}
		p.ProspectID = id
		res.Prospects[i] = p
		tc.Count(CountProspects, 1)
		tc.Emit(ctx, EventProspectFound, ProspectFoundData{
			RunID: tc.RunID, URL: p.CanonicalURL, Title: p.Title, Site: p.Site, PublishedAt: p.PublishedAt,
			Relevance: p.Relevance, AcceptsComments: p.AcceptsComments, Created: created,
		})
	}
	SetOutput(tc, analysisOutput{Prospects: res.Prospects, drafts: early})
	early = nil // drafting has them now
	return nil
}

// earlyDrafts prepares the drafts analysis may start before it ends: for
// prospects that take comments, have no draft yet and are certain to rank
// within the daily draft limit (within; 0 for no limit). It is nil when
// the limit is reached.
func (m Members) earlyDrafts(ctx context.Context, b Brief) (*drafts, int, error) {
	budget, err := m.draftBudget(ctx, b)
	if err != nil || budget == 0 {
		return nil, 0, err
	}
	drafted, err := m.Sink.DraftedProspects(ctx, b.CampaignID)
	if err != nil {
		return nil, 0, fmt.Errorf("load drafted prospects: %w", err)
	}
	known, err := m.Sink.ExistingDrafts(ctx, b.CampaignID)
	if err != nil {
		return nil, 0, fmt.Errorf("load existing drafts: %w", err)
	}
	ds := newDrafts(ctx, m.Writer, b, known, m.draftConcurrency())
	ds.drafted = drafted
	return ds, max(budget, 0), nil
}

// draftConcurrency is DraftConcurrency with its default applied.
func (m Members) draftConcurrency() int {
	if m.DraftConcurrency <= 0 {
		return DefaultDraftConcurrency
	}
	return m.DraftConcurrency
}

// warn records and emits the run's warnings, once: research and analysis
// are done (a run whose research failed fails instead), and a resumed run
// that warned already does not warn again.
func warn(ctx context.Context, tc *TaskContext) {
	if st := tc.Stats(); len(st.Warnings) == 0 {
		addWarnings(ctx, tc, runWarnings(tc.Brief, st))
	}
}

// addWarnings appends warnings to the run's stats (a new slice, so copies
// of the stats stay as they were) and emits them in one run.warning.
func addWarnings(ctx context.Context, tc *TaskContext, warnings []string) {
	if len(warnings) == 0 {
		return
	}
	tc.UpdateStats(func(s *Stats) { s.Warnings = append(slices.Clip(s.Warnings), warnings...) })
	tc.Emit(ctx, EventRunWarning, RunWarningData{RunID: tc.RunID, OwnerID: tc.Brief.OwnerID, Warnings: warnings, Stats: tc.Stats()})
}

// runWarnings says why a run found or kept nothing, or lost seeds.
func runWarnings(b Brief, s Stats) []string {
	var out []string
	if s.SeedsFailed > 0 {
		out = append(out, fmt.Sprintf("%d of %d seed sites could not be read (%s)",
			s.SeedsFailed, len(b.SeedURLs), reasonList(s.SeedFailuresByReason)))
	}
	switch {
	case s.PostsDiscovered == 0:
		out = append(out, "no posts were found on the seed sites: no feed, sitemap or post links could be read")
	case s.PostsFetched == 0 && s.FetchFailures > 0:
		out = append(out, fmt.Sprintf("every post fetch failed: %d posts (%s)", s.FetchFailures, reasonList(s.FetchFailuresByReason)))
	case s.Prospects == 0 && s.LanguageSkipped > 0:
		out = append(out, fmt.Sprintf("none of the %d posts read was kept: %d were not in the campaign's language %q",
			s.PostsFetched, s.LanguageSkipped, b.Language))
	case s.Prospects == 0 && s.PostsFetched > 0:
		out = append(out, fmt.Sprintf("none of the %d posts read was relevant enough to keep", s.PostsFetched))
	}
	return out
}

// reasonList writes counts by reason, most first: "10 not_found, 2 robots".
func reasonList(m map[string]int) string {
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b string) int {
		if m[a] != m[b] {
			return m[b] - m[a]
		}
		return strings.Compare(a, b)
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", m[k], k)
	}
	if len(parts) == 0 {
		return "no cause recorded"
	}
	return strings.Join(parts, ", ")
}

func (m Members) draft(ctx context.Context, tc *TaskContext) error {
	out, ok, err := Input[analysisOutput](tc, TaskAnalysis)
	if err != nil {
		return err
	}
	if !ok {
		return errors.New("comment writer: no analysis output")
	}
	prospects := out.Prospects
	warn(ctx, tc)
	b := tc.Brief
	drafted, err := m.Sink.DraftedProspects(ctx, b.CampaignID)
	if err != nil {
		return fmt.Errorf("load drafted prospects: %w", err)
	}
	budget, err := m.draftBudget(ctx, b)
	if err != nil {
		return err
	}
	ds := out.drafts
	if ds == nil {
		known, err := m.Sink.ExistingDrafts(ctx, b.CampaignID)
		if err != nil {
			return fmt.Errorf("load existing drafts: %w", err)
		}
		ds = newDrafts(ctx, m.Writer, b, known, m.draftConcurrency())
	} else {
		ds.unqueue() // not started yet: started below, in order, if still wanted
	}
	defer func() {
		// After a failure or cancel: drafts still being written end at
		// once. Early drafts nobody wanted (the prospect was drafted
		// meanwhile or is over the limit) are dropped, their usage kept.
		for _, w := range ds.close() {
			if w.err == nil {
				tc.AddUsage(w.d.Usage)
				tc.Count(CountEarlyDropped, 1)
			}
		}
	}()
	skippedLang := 0
	defer func() {
		if skippedLang > 0 {
			addWarnings(ctx, tc, []string{fmt.Sprintf(
				"%d prospects were not drafted: the writer cannot write in their language (the offline writer writes English only; a model server drafts in the post's language)", skippedLang)})
		}
	}()
	conc := m.draftConcurrency()
	checker, _ := m.Writer.(NearCopyChecker)
	// others are the campaign's drafts: those every draft was written
	// knowing (the first seen), then this run's, in the order stored.
	others := ds.known
	seen := len(others)
	// prefix[k] is len(others) once the window's first k slots (in the
	// prospects' order) are stored: what slot k+conc's early check sees.
	prefix := []int{seen}
	// redo writes p's draft prev again knowing seeing, as retries with the
	// reviewer's reasons when the writer can, from scratch otherwise.
	redo := func(p ProspectResult, prev DraftResult, seeing []string) func(context.Context) (DraftResult, error) {
		return func(ctx context.Context) (DraftResult, error) {
			if rd, ok := m.Writer.(Redrafter); ok {
				return rd.Redraft(ctx, b, p, seeing, prev) // counts prev's attempts and usage
			}
			again, err := m.Writer.Draft(ctx, b, p, seeing)
			if err == nil {
				again.Usage = addUsage(again.Usage, prev.Usage)
				again.Attempts += prev.Attempts
			}
			return again, err
		}
	}
	// window holds the drafts being written or waiting to be stored, in
	// the prospects' order; each is stored when it and every one before
	// it is done.
	type slot struct {
		n     int // in the run's slots, the prospects' order
		idx   int // in prospects
		p     ProspectResult
		w     *pending // the first draft
		early bool     // started during analysis
		// checked: the first draft was checked against others[seen:upto],
		// the run's drafts stored conc slots or more before it, and r is
		// its redraft (knowing others[:upto]) when it was a near-copy.
		checked bool
		upto    int
		r       *pending
	}
	var window []*slot
	nslots := 0
	// advance checks each written first draft as soon as every slot conc
	// or more before it is stored, and starts the redraft of a near-copy
	// at once: what it checks against and knows depends only on what is
	// stored, never on timing, so the output stays deterministic.
	advance := func() {
		for _, s := range window {
			if s.checked || !s.w.finished() || len(prefix)-1 < s.n-conc {
				continue
			}
			s.checked, s.upto = true, prefix[max(s.n-conc, 0)]
			if s.w.err == nil && checker != nil && s.upto > seen && checker.NearCopy(b, s.w.d.Body, others[seen:s.upto]) {
				s.r = ds.redraft(s.p, redo(s.p, s.w.d, slices.Clip(others[:s.upto])))
			}
		}
	}
	ready := func(s *slot) bool {
		return s.w.finished() && s.checked && (s.r == nil || s.r.finished())
	}
	// commit stores the oldest draft of the window once it is written.
	commit := func() error {
		s := window[0]
		for advance(); !ready(s); advance() {
			select {
			case <-ds.changed:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		window = window[1:]
		defer func() { prefix = append(prefix, len(others)) }()
		if errors.Is(s.w.err, ErrLanguageUnsupported) {
			// The writer cannot write in the post's language: skipped,
			// counted, and the draft it would have spent is given back.
			skippedLang++
			if budget >= 0 {
				budget++
			}
			tc.Count(CountLanguageUnsupported, 1)
			tc.Progress(ctx, float64(s.idx+1)/float64(len(prospects)))
			return nil
		}
		if s.w.err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return fmt.Errorf("comment writer: draft for %s: %w", s.p.CanonicalURL, s.w.err)
		}
		d, p := s.w.d, s.p
		if s.r != nil {
			if s.r.err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("comment writer: redraft for %s: %w", p.CanonicalURL, s.r.err)
			}
			d = s.r.d
		}
		if checker != nil && len(others) > s.upto && checker.NearCopy(b, d.Body, others[s.upto:]) {
			// A near-copy of a draft stored within conc slots before it,
			// which it could not know (rare): write it again seeing every
			// draft before it, waiting for it.
			again := ds.redraft(p, redo(p, d, slices.Clip(others)))
			select {
			case <-again.done:
			case <-ctx.Done():
				return ctx.Err()
			}
			if again.err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				return fmt.Errorf("comment writer: redraft for %s: %w", p.CanonicalURL, again.err)
			}
			d = again.d
		}
		d.CampaignID, d.ProspectKey, d.ProspectID = b.CampaignID, p.Key(), p.ProspectID
		if d.ProspectURL == "" {
			d.ProspectURL = p.URL
		}
		tc.AddUsage(d.Usage)
		if _, err := m.Sink.SaveDraft(ctx, d); err != nil {
			return fmt.Errorf("save draft for %s: %w", p.CanonicalURL, err)
		}
		others = append(others, d.Body)
		tc.Count(CountDrafted, 1)
		tc.UpdateStats(func(s *Stats) {
			s.DraftRetries += max(d.Attempts-1, 0)
			s.ModelCalls += d.Attempts
			if !d.Passed {
				s.DraftsRejectedByReviewer++
			}
		})
		if s.early {
			tc.Count(CountDraftedEarly, 1)
		}
		if err := tc.Flush(ctx); err != nil { // the draft is stored: count it durably
			return err
		}
		tc.Emit(ctx, EventCommentDrafted, CommentDraftedData{
			RunID: tc.RunID, ProspectURL: p.Key(), Score: d.Score, Flags: d.Flags, Passed: d.Passed, Attempts: d.Attempts,
		})
		// Progress counts prospects settled in order: this draft is stored.
		tc.Progress(ctx, float64(s.idx+1)/float64(len(prospects)))
		return nil
	}
	// busy counts the window's drafts still being written.
	busy := func() int {
		n := 0
		for _, s := range window {
			if !s.w.finished() {
				n++
			}
			if s.r != nil && !s.r.finished() {
				n++
			}
		}
		return n
	}
	for i, p := range prospects {
		if err := ctx.Err(); err != nil {
			return err
		}
		if len(window) == 0 {
			tc.Progress(ctx, float64(i)/float64(len(prospects)))
		}
		if !p.AcceptsComments || drafted[p.Key()] {
			tc.Count(CountSkipped, 1)
			continue
		}
		if budget == 0 {
			tc.Count(CountOverDailyLimit, 1)
			continue
		}
		w := ds.claim(p.Key())
		if w == nil && p.Text == "" {
			full, err := m.Analyst.Reload(ctx, b, p)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				tc.Count(CountReloadFailed, 1)
				reason := FailureReason(err)
				tc.UpdateStats(func(s *Stats) {
					byReason := maps.Clone(s.FetchFailuresByReason)
					if byReason == nil {
						byReason = map[string]int{}
					}
					byReason[reason]++
					s.FetchFailuresByReason = byReason
				})
				continue
			}
			p = full
		}
		// Store what is written; wait while conc drafts are being written.
		advance()
		for len(window) > 0 && (ready(window[0]) || (w == nil && busy() >= conc)) {
			if err := commit(); err != nil {
				return err
			}
		}
		if budget > 0 {
			budget--
		}
		s := &slot{n: nslots, idx: i, p: p, w: w, early: w != nil}
		nslots++
		if w == nil {
			s.w = ds.submit(p)
		}
		window = append(window, s)
	}
	for len(window) > 0 {
		if err := commit(); err != nil {
			return err
		}
	}
	return nil
}

func addUsage(a, b Usage) Usage {
	a.PromptTokens += b.PromptTokens
	a.CompletionTokens += b.CompletionTokens
	a.TotalTokens += b.TotalTokens
	a.CostUSD += b.CostUSD
	return a
}

// draftBudget is how many drafts the run may still make: -1 for no limit.
func (m Members) draftBudget(ctx context.Context, b Brief) (int, error) {
	if b.DailyDraftLimit <= 0 {
		return -1, nil
	}
	counter, ok := m.Sink.(DraftCounter)
	if !ok {
		return b.DailyDraftLimit, nil
	}
	now := m.Now().UTC()
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	n, err := counter.DraftsSince(ctx, b.CampaignID, day)
	if err != nil {
		return 0, fmt.Errorf("count today's drafts: %w", err)
	}
	return max(b.DailyDraftLimit-n, 0), nil
}
