package agents

import (
	"context"
	"errors"
)

// LLM generates text. Implementations are safe for concurrent use, honour
// ctx cancellation and deadlines, and return an error wrapping
// ErrBudgetExceeded or ErrRateLimited when those are the reason they
// refused. The offline adapter (agents/llm/offline) is the default; the
// OpenAI-compatible one (agents/llm/openai) talks to a model server.
type LLM interface {
	// Generate answers req with one completion.
	Generate(ctx context.Context, req GenerateRequest) (GenerateResponse, error)
}

// Message roles of a chat conversation.
const (
	RoleSystem    = "system"    // instructions
	RoleUser      = "user"      // the asker
	RoleAssistant = "assistant" // earlier model answers
)

// PurposeComment marks a request that drafts a comment on a blog post.
const PurposeComment = "comment"

// Message is one turn of a chat conversation.
type Message struct {
	Role    string // RoleSystem, RoleUser or RoleAssistant
	Content string // the text of the turn
}

// GenerateRequest asks an LLM for one completion. Messages carry the prompt;
// Post optionally carries the same task as structured data, which adapters
// that build text themselves (the offline writer) use instead of Messages.
type GenerateRequest struct {
	Model       string       // model name; empty means the adapter's default
	System      string       // system prompt, sent before Messages
	Messages    []Message    // the conversation, oldest first
	MaxTokens   int          // completion cap; 0 means the adapter's default
	Temperature float64      // sampling temperature; 0 is the most deterministic
	Purpose     string       // what the text is for, e.g. PurposeComment; for logs and budgets
	CampaignID  string       // the campaign this request serves, if any; for budgets and logs
	Post        *PostContext // optional structured context for comment drafting
}

// PostContext describes the post a comment is drafted for, and how the
// campaign wants it written.
type PostContext struct {
	Title      string   // the post's title
	URL        string   // the post's canonical URL
	Site       string   // the site's name or host
	Text       string   // the extracted main text
	Keywords   []string // the campaign's keywords
	Tone       string   // e.g. "friendly", "professional", "casual"
	Language   string   // BCP 47 tag of the language to write in: the post's; empty when unknown
	Guidelines string   // the campaign's free-text comment guidelines
	AllowLinks bool     // whether the comment may contain links
	Feedback   []string // reviewer reasons from the previous attempt, if any
	Attempt    int      // 0 for the first draft, 1 for the first retry, ...
}

// GenerateResponse is one completion.
type GenerateResponse struct {
	Content  string   // the generated text
	Model    string   // the model that answered
	Usage    Usage    // what the call cost
	Warnings []string // adapter notes, e.g. an unsupported language it replaced with English
}

// Usage counts what one call consumed.
type Usage struct {
	PromptTokens     int     // tokens read
	CompletionTokens int     // tokens written
	TotalTokens      int     // PromptTokens + CompletionTokens, as reported
	CostUSD          float64 // estimated cost in US dollars; 0 when unknown or free
}

// Errors an LLM returns wrapped, so callers can tell why it refused.
var (
	// ErrBudgetExceeded: the campaign's LLM budget for the period is spent.
	ErrBudgetExceeded = errors.New("llm budget exceeded")
	// ErrRateLimited: the model server kept answering "too many requests".
	ErrRateLimited = errors.New("llm rate limited")
	// ErrLanguageUnsupported: the adapter cannot write in the post's
	// language (the offline writer is English only); the crew skips the
	// post's draft rather than write in another language.
	ErrLanguageUnsupported = errors.New("llm cannot write in the post's language")
)
