package agents

// Step counters: the keys of Step.Stats that the outreach crew's tasks
// count with TaskContext.Count. A counter that is also a figure of the
// run's Stats adds to it in the same call (addRunFigure), so each figure
// is counted once and the step and run views cannot drift apart; see
// docs/architecture.md, "How data flows".
const (
	CountCandidates          = "candidates"           // Stats.PostsDiscovered
	CountSeedsFailed         = "seeds_failed"         // Stats.SeedsFailed
	CountFetched             = "fetched"              // Stats.PostsFetched
	CountFetchFailed         = "fetch_failed"         // Stats.FetchFailures
	CountBelowBar            = "below_bar"            // posts scored under the relevance bar (step only)
	CountLanguageSkipped     = "language_skipped"     // Stats.LanguageSkipped
	CountNotArticles         = "not_articles"         // pages that are not articles (step only)
	CountOverCap             = "over_cap"             // relevant posts past MaxProspects (step only)
	CountProspects           = "prospects"            // Stats.Prospects
	CountDrafted             = "drafted"              // Stats.Drafts
	CountDraftedEarly        = "drafted_early"        // drafts whose model call began during analysis (step only)
	CountEarlyDropped        = "early_dropped"        // early drafts of prospects analysis did not keep after all (step only)
	CountSkipped             = "skipped"              // Stats.DraftsSkipped: no comments, or drafted already
	CountOverDailyLimit      = "over_daily_limit"     // Stats.DraftsSkipped
	CountLanguageUnsupported = "language_unsupported" // Stats.DraftsSkipped and Stats.DraftsSkippedLanguage
	CountReloadFailed        = "reload_failed"        // Stats.FetchFailures
)

// addRunFigure adds delta to the figure of s that the step counter key
// counts too, if any.
func addRunFigure(s *Stats, key string, delta int) {
	switch key {
	case CountCandidates:
		s.PostsDiscovered += delta
	case CountSeedsFailed:
		s.SeedsFailed += delta
	case CountFetched:
		s.PostsFetched += delta
	case CountFetchFailed, CountReloadFailed:
		s.FetchFailures += delta
	case CountLanguageSkipped:
		s.LanguageSkipped += delta
	case CountProspects:
		s.Prospects += delta
	case CountDrafted:
		s.Drafts += delta
	case CountSkipped, CountOverDailyLimit:
		s.DraftsSkipped += delta
	case CountLanguageUnsupported:
		s.DraftsSkipped += delta
		s.DraftsSkippedLanguage += delta
	}
}
