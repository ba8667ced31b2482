package agents

import "time"

// Limits bound what one agent may spend in a run. Zero means no limit of
// that kind beyond the adapters' own.
type Limits struct {
	MaxRetries int           `json:"max_retries,omitempty"` // guardrail retries per item
	Timeout    time.Duration `json:"timeout,omitempty"`     // wall time for the agent's task
	MaxTokens  int           `json:"max_tokens,omitempty"`  // completion cap per LLM call
}

// Agent is a member of the crew: who it is, what it is for and which tools
// it uses. It is a description; the work is done by the Task that names it.
type Agent struct {
	Name  string   `json:"name"`
	Role  string   `json:"role"`
	Goal  string   `json:"goal"`
	Tools []string `json:"tools"`
	Model string   `json:"model,omitempty"` // the LLM model, for agents that use one
	Limits
}

// Crew is a list of tasks that run in order, each seeing the outputs of
// the tasks before it.
type Crew struct {
	Name  string
	Tasks []Task
}

// The names of the outreach crew's agents.
const (
	AgentBlogResearcher  = "blog researcher"
	AgentContentAnalyst  = "content analyst"
	AgentCommentWriter   = "comment writer"
	AgentQualityReviewer = "quality reviewer"
)

// The outreach crew's agents, in the order they work.
var (
	// BlogResearcher finds candidate posts.
	BlogResearcher = Agent{
		Name:  AgentBlogResearcher,
		Role:  "Finds candidate blog posts for a campaign",
		Goal:  "Discover recent posts on the campaign's topics from its seed sites (feeds, sitemaps, links) and web search, obeying robots.txt",
		Tools: []string{"fetcher", "robots.txt", "feeds", "sitemaps", "searcher"},
	}
	// ContentAnalyst reads and ranks the candidates.
	ContentAnalyst = Agent{
		Name:  AgentContentAnalyst,
		Role:  "Reads candidate posts and keeps the relevant ones",
		Goal:  "Extract each post's text and metadata, detect open comments, dedupe by canonical URL and keep the most relevant posts",
		Tools: []string{"fetcher", "extractor", "bm25+recency scorer"},
	}
	// CommentWriter drafts the comments.
	CommentWriter = Agent{
		Name:  AgentCommentWriter,
		Role:  "Drafts a comment for each prospect",
		Goal:  "Write a comment that engages with one specific point of the post, in the campaign's tone, language and guidelines",
		Tools: []string{"llm"},
	}
	// QualityReviewer checks every draft.
	QualityReviewer = Agent{
		Name:  AgentQualityReviewer,
		Role:  "Checks each draft before a person sees it",
		Goal:  "Score drafts 0..100 for length, a concrete reference to the post, no links unless allowed, no generic praise, no near-copies, no keyword stuffing; send failures back with reasons",
		Tools: []string{"reviewer"},
	}
)

// Agents lists the crew's agents in the order they work: each task's
// agent, then its assistants, each agent once (by name). It is what
// GET /api/agents describes. The agents are copies: changing them changes
// nothing in the crew.
func (c Crew) Agents() []Agent {
	var out []Agent
	seen := map[string]bool{}
	add := func(a *Agent) {
		if a == nil || seen[a.Name] {
			return
		}
		seen[a.Name] = true
		cp := *a
		cp.Tools = append([]string(nil), a.Tools...)
		out = append(out, cp)
	}
	for _, t := range c.Tasks {
		add(t.Agent)
		for _, a := range t.Assistants {
			add(a)
		}
	}
	return out
}
