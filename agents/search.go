package agents

import "context"

// Searcher finds pages on the web for a query, e.g. through a SearXNG
// instance. Implementations are safe for concurrent use and honour ctx.
type Searcher interface {
	// Search returns at most limit results for query, best first; limit <= 0
	// means the adapter's default cap.
	Search(ctx context.Context, query string, limit int) ([]SearchResult, error)
}

// SearchResult is one hit of a web search.
type SearchResult struct {
	URL     string // absolute http(s) URL of the page
	Title   string // the page title as the engine reported it
	Snippet string // a short excerpt, may be empty
}
