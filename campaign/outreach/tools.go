package outreach

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// ErrNothingFound means an ad hoc research read no source at all (422).
var ErrNothingFound = errors.New("no seed could be read")

// ErrTooSlow means an ad hoc call ran past its time bound (504).
var ErrTooSlow = errors.New("the agents did not finish in time")

// DefaultToolTimeout bounds one synchronous research or comment call.
const DefaultToolTimeout = 60 * time.Second

// DefaultResearchResults is how many posts an ad hoc research returns at
// most when ResearchInput.MaxResults is zero (POST /api/agents/research's
// max_results default). A campaign run keeps agents.DefaultMaxProspects.
const DefaultResearchResults = 20

// Tools runs the crew's members once, synchronously, saving nothing.
type Tools struct {
	researcher agents.Researcher
	analyst    agents.Analyst
	writer     agents.Writer
	timeout    time.Duration
}

// NewTools returns the ad hoc agent calls; timeout 0 means DefaultToolTimeout.
func NewTools(researcher agents.Researcher, analyst agents.Analyst, writer agents.Writer, timeout time.Duration) *Tools {
	if timeout <= 0 {
		timeout = DefaultToolTimeout
	}
	return &Tools{researcher: researcher, analyst: analyst, writer: writer, timeout: timeout}
}

// ResearchInput is an ad hoc research request.
type ResearchInput struct {
	Keywords   []string
	SeedURLs   []string
	MaxResults int // 0 means DefaultResearchResults
}

// Research finds, reads and scores posts for the keywords, best first.
func (t *Tools) Research(ctx context.Context, ownerID string, in ResearchInput) ([]agents.ProspectResult, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	if in.MaxResults <= 0 {
		in.MaxResults = DefaultResearchResults
	}
	brief := agents.Brief{CampaignID: "adhoc", OwnerID: ownerID, Keywords: in.Keywords, SeedURLs: in.SeedURLs, MaxProspects: in.MaxResults}
	var mu sync.Mutex
	var cands []agents.Candidate
	found, err := t.researcher.Research(ctx, brief, func(c agents.Candidate) error {
		mu.Lock()
		defer mu.Unlock()
		cands = append(cands, c)
		return nil
	})
	if errors.Is(err, agents.ErrNoSources) {
		// The caller's seeds are the problem, not us.
		return nil, fmt.Errorf("%w: %s", ErrNothingFound, strings.Join(found.Problems, "; "))
	}
	if err != nil {
		return nil, t.explain(ctx, "research", err)
	}
	res, err := t.analyst.Analyze(ctx, brief, slices.Values(cands), nil)
	if err != nil {
		return nil, t.explain(ctx, "analysis", err)
	}
	return res.Prospects, nil
}

// CommentInput is an ad hoc comment request on a post's text.
type CommentInput struct {
	Title, Content, URL string
	Guidelines, Tone    string
	Keywords            []string
}

// Comment drafts and reviews one comment for the post.
func (t *Tools) Comment(ctx context.Context, ownerID string, in CommentInput) (agents.DraftResult, error) {
	ctx, cancel := context.WithTimeout(ctx, t.timeout)
	defer cancel()
	brief := agents.Brief{CampaignID: "adhoc", OwnerID: ownerID, Keywords: in.Keywords, Tone: in.Tone, Guidelines: in.Guidelines}
	post := agents.ProspectResult{CampaignID: "adhoc", URL: in.URL, CanonicalURL: in.URL, Title: in.Title, Text: in.Content, AcceptsComments: true}
	d, err := t.writer.Draft(ctx, brief, post, nil)
	if err != nil {
		return agents.DraftResult{}, t.explain(ctx, "comment", err)
	}
	return d, nil
}

func (t *Tools) explain(ctx context.Context, what string, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w (limit %s)", what, ErrTooSlow, t.timeout)
	}
	return fmt.Errorf("%s: %w", what, err)
}
