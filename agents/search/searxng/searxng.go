// Package searxng is an agents.Searcher adapter for a SearXNG instance's
// JSON API (GET {base}/search?q=...&format=json). The instance must have
// the json format enabled in its settings (search.formats), or it answers
// 403.
package searxng

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// maxBody bounds how much of an answer is read.
const maxBody = 4 << 20

// Config configures a Client. Zero fields take the documented defaults.
type Config struct {
	BaseURL    string        // the instance root, e.g. "http://localhost:8888"; required
	Timeout    time.Duration // bounds each search; default 10s
	MaxResults int           // cap on results per search; default 20
	Language   string        // optional SearXNG language, e.g. "en"
	Categories string        // optional comma-separated categories, e.g. "general"
	UserAgent  string        // default "kpbot (+https://github.com/kpbot/kpbot)"
	HTTPClient *http.Client  // default a plain http.Client
}

func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = 10 * time.Second
	}
	if c.MaxResults == 0 {
		c.MaxResults = 20
	}
	if c.UserAgent == "" {
		c.UserAgent = "kpbot (+https://github.com/kpbot/kpbot)"
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	return c
}

// Validate reports a configuration the Client cannot work with.
func (c Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if c.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("searxng config: BaseURL %q is not an absolute http(s) URL", c.BaseURL)
	}
	if c.Timeout < 0 || c.MaxResults < 0 {
		return errors.New("searxng config: Timeout and MaxResults must not be negative")
	}
	return nil
}

// Client searches one SearXNG instance. It is safe for concurrent use.
type Client struct {
	cfg      Config
	endpoint string
}

var _ agents.Searcher = (*Client)(nil)

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Client{cfg: cfg, endpoint: strings.TrimRight(cfg.BaseURL, "/") + "/search"}, nil
}

type response struct {
	Results []struct {
		URL     string `json:"url"`
		Title   string `json:"title"`
		Content string `json:"content"`
	} `json:"results"`
}

// Search returns up to limit results (at most Config.MaxResults; limit <= 0
// means MaxResults) for query, in the instance's order, keeping only
// absolute http(s) URLs, each once.
func (c *Client) Search(ctx context.Context, query string, limit int) ([]agents.SearchResult, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, errors.New("searxng: empty query")
	}
	if limit <= 0 || limit > c.cfg.MaxResults {
		limit = c.cfg.MaxResults
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()

	q := url.Values{"q": {query}, "format": {"json"}, "pageno": {"1"}}
	if c.cfg.Language != "" {
		q.Set("language", c.cfg.Language)
	}
	if c.cfg.Categories != "" {
		q.Set("categories", c.cfg.Categories)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint+"?"+q.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("searxng: build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("searxng: search %q: %w", query, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("searxng: read answer for %q: %w", query, err)
	}
	if resp.StatusCode != http.StatusOK {
		hint := ""
		if resp.StatusCode == http.StatusForbidden {
			hint = " (is the json format enabled in the instance's settings?)"
		}
		return nil, fmt.Errorf("searxng: search %q: HTTP %d%s", query, resp.StatusCode, hint)
	}
	var r response
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("searxng: search %q: malformed JSON answer: %w", query, err)
	}
	out := make([]agents.SearchResult, 0, min(limit, len(r.Results)))
	seen := map[string]bool{}
	for _, res := range r.Results {
		if len(out) == limit {
			break
		}
		u, err := url.Parse(strings.TrimSpace(res.URL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || seen[u.String()] {
			continue
		}
		seen[u.String()] = true
		out = append(out, agents.SearchResult{
			URL:     u.String(),
			Title:   strings.TrimSpace(res.Title),
			Snippet: strings.TrimSpace(res.Content),
		})
	}
	return out, nil
}
