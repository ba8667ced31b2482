package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/campaign/outreach"
)

// AgentResponse describes one registered agent of the crew.
type AgentResponse struct {
	Name  string   `json:"name"`
	Role  string   `json:"role"`
	Goal  string   `json:"goal"`
	Tools []string `json:"tools" nullable:"false"`
	Model string   `json:"model,omitempty"`
}

// AgentList is the crew.
type AgentList struct {
	Items []AgentResponse `json:"items" nullable:"false"`
}

// ResearchRequest asks the researcher and analyst for posts, synchronously.
type ResearchRequest struct {
	Keywords   []string `json:"keywords" nullable:"false" minItems:"1" maxItems:"50" maxLength:"100"`
	SeedURLs   []string `json:"seed_urls" nullable:"false" minItems:"1" maxItems:"10" maxLength:"2048" doc:"Absolute http(s) URLs of blogs to read."`
	MaxResults int      `json:"max_results,omitempty" minimum:"1" maximum:"100" doc:"Prospects returned at most; default 20."`
}

// ResearchProspect is a post the ad hoc research kept, best first.
type ResearchProspect struct {
	URL             string     `json:"url"`
	Title           string     `json:"title"`
	Site            string     `json:"site"`
	Author          string     `json:"author,omitempty"`
	PublishedAt     *time.Time `json:"published_at,omitempty"`
	Relevance       float64    `json:"relevance"`
	Summary         string     `json:"summary"`
	AcceptsComments bool       `json:"accepts_comments"`
	CommentSystem   string     `json:"comment_system,omitempty"`
	Language        string     `json:"language,omitempty"`
	Dir             string     `json:"dir,omitempty"`
}

// ResearchResponse lists the posts found.
type ResearchResponse struct {
	Items []ResearchProspect `json:"items" nullable:"false"`
}

// AgentCommentRequest asks the writer and reviewer for one comment on a post.
type AgentCommentRequest struct {
	Title      string   `json:"title" minLength:"1" maxLength:"500"`
	Content    string   `json:"content" minLength:"1" maxLength:"100000" doc:"The post's main text."`
	URL        string   `json:"url,omitempty" maxLength:"2048"`
	Guidelines string   `json:"guidelines,omitempty" maxLength:"2000"`
	Tone       string   `json:"tone,omitempty" maxLength:"50"`
	Keywords   []string `json:"keywords,omitempty" maxItems:"50" maxLength:"100"`
}

// AgentCommentResponse is the reviewed draft.
type AgentCommentResponse struct {
	Body    string   `json:"body"`
	Score   int      `json:"score" minimum:"0" maximum:"100"`
	Flags   []string `json:"flags" nullable:"false"`
	Passed  bool     `json:"passed" doc:"Whether the quality reviewer passed the draft."`
	Reasons []string `json:"reasons,omitempty"`
}

type agentListOutput struct{ Body AgentList }
type researchInput struct{ Body ResearchRequest }
type researchOutput struct{ Body ResearchResponse }
type agentCommentInput struct{ Body AgentCommentRequest }
type agentCommentOutput struct{ Body AgentCommentResponse }

// registerAgents registers GET /api/agents and the synchronous agent calls.
func (s *Server) registerAgents() {
	tags := []string{"agents"}
	list := s.deps.AgentList
	huma.Register(s.api, huma.Operation{
		OperationID: "list-agents", Method: http.MethodGet, Path: "/api/agents", Tags: tags,
		Summary:  "List the crew's agents",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors:   []int{http.StatusUnauthorized},
	}, func(ctx context.Context, _ *struct{}) (*agentListOutput, error) {
		out := AgentList{Items: make([]AgentResponse, 0, len(list))}
		for _, a := range list {
			tools := a.Tools
			if tools == nil {
				tools = []string{}
			}
			out.Items = append(out.Items, AgentResponse{Name: a.Name, Role: a.Role, Goal: a.Goal, Tools: tools, Model: a.Model})
		}
		return &agentListOutput{Body: out}, nil
	})

	tools := s.deps.Agents
	if tools == nil {
		return
	}
	huma.Register(s.api, huma.Operation{
		OperationID: "research", Method: http.MethodPost, Path: "/api/agents/research", Tags: tags,
		Summary: "Research posts now",
		Description: "Runs the blog researcher and content analyst once, synchronously and bounded in time, and returns the posts " +
			"they keep, best first; nothing is saved. Seeds that cannot be read at all are 422; running past the time bound is 504; a call cut short because " +
			"the server is shutting down is 503 with Retry-After (retry: another instance answers).",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors:   []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
	}, func(ctx context.Context, in *researchInput) (*researchOutput, error) {
		p := mustPrincipal(ctx)
		ctx, stop := s.drainable(ctx)
		defer stop()
		found, err := tools.Research(ctx, p.User.ID, outreach.ResearchInput{
			Keywords: in.Body.Keywords, SeedURLs: in.Body.SeedURLs, MaxResults: in.Body.MaxResults,
		})
		if drained(ctx) {
			return nil, shuttingDown()
		}
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		out := ResearchResponse{Items: make([]ResearchProspect, 0, len(found))}
		for _, f := range found {
			out.Items = append(out.Items, prospectResult(f))
		}
		return &researchOutput{Body: out}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "draft-comment", Method: http.MethodPost, Path: "/api/agents/comment", Tags: tags,
		Summary: "Draft a comment now",
		Description: "Asks the comment writer for a comment on the given post and has the quality reviewer check it; returns the final draft with its score and flags. Nothing is saved or posted. " +
			"A call cut short because the server is shutting down is 503 with Retry-After.",
		Security: BearerSecurity(),
		Metadata: campaignsMeta(),
		Errors:   []int{http.StatusUnauthorized, http.StatusUnprocessableEntity, http.StatusServiceUnavailable, http.StatusGatewayTimeout},
	}, func(ctx context.Context, in *agentCommentInput) (*agentCommentOutput, error) {
		p := mustPrincipal(ctx)
		b := in.Body
		ctx, stop := s.drainable(ctx)
		defer stop()
		d, err := tools.Comment(ctx, p.User.ID, outreach.CommentInput{
			Title: b.Title, Content: b.Content, URL: b.URL, Guidelines: b.Guidelines, Tone: b.Tone, Keywords: b.Keywords,
		})
		if drained(ctx) {
			return nil, shuttingDown()
		}
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		flags := d.Flags
		if flags == nil {
			flags = []string{}
		}
		return &agentCommentOutput{Body: AgentCommentResponse{Body: d.Body, Score: d.Score, Flags: flags, Passed: d.Passed, Reasons: d.Reasons}}, nil
	})
}

func prospectResult(p agents.ProspectResult) ResearchProspect {
	return ResearchProspect{
		URL: p.URL, Title: p.Title, Site: p.Site, Author: p.Author, PublishedAt: utcPtr(p.PublishedAt),
		Relevance: p.Relevance, Summary: p.Summary, AcceptsComments: p.AcceptsComments, CommentSystem: p.CommentSystem,
		Language: p.Language, Dir: p.Dir,
	}
}
