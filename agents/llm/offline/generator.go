package offline

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/kpbot/kpbot/agents"
)

// DefaultModel is the model name the Generator reports.
const DefaultModel = "kpbot-offline-1"

// Config tunes a Generator. Zero fields take the documented defaults.
type Config struct {
	MinChars int    // shortest draft it aims for; default 80 (the reviewer's default)
	MaxChars int    // longest draft it writes; default 700 (the reviewer's default)
	Model    string // reported in GenerateResponse.Model; default DefaultModel
}

func (c Config) withDefaults() Config {
	if c.MinChars == 0 {
		c.MinChars = 80
	}
	if c.MaxChars == 0 {
		c.MaxChars = 700
	}
	if c.Model == "" {
		c.Model = DefaultModel
	}
	return c
}

// Validate reports a configuration the Generator cannot honour.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.MinChars < 0 || c.MaxChars < 40 || c.MinChars > c.MaxChars {
		return fmt.Errorf("offline config: need 0 <= MinChars <= MaxChars and MaxChars >= 40, got %d and %d", c.MinChars, c.MaxChars)
	}
	return nil
}

// Generator writes comments from the post's own text. It holds no mutable
// state and is safe for concurrent use.
type Generator struct {
	cfg Config
}

var _ agents.LLM = (*Generator)(nil)

// New returns a Generator.
func New(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Generator{cfg: cfg.withDefaults()}, nil
}

// ErrNoText means the request carries no post text, title or user message to
// write about.
var ErrNoText = errors.New("offline: nothing to write about: the request has no post text, title or user message")

// Generate writes a comment on req.Post (or, without a Post, on the last
// user message taken as the post text).
func (g *Generator) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	if err := ctx.Err(); err != nil {
		return agents.GenerateResponse{}, fmt.Errorf("offline: %w", err)
	}
	post := req.Post
	if post == nil {
		post = &agents.PostContext{}
		for i := len(req.Messages) - 1; i >= 0; i-- {
			if req.Messages[i].Role == agents.RoleUser || req.Messages[i].Role == "" {
				post.Text = req.Messages[i].Content
				break
			}
		}
	}
	if strings.TrimSpace(post.Text) == "" && strings.TrimSpace(post.Title) == "" {
		return agents.GenerateResponse{}, ErrNoText
	}

	if !isEnglish(post.Language) {
		return agents.GenerateResponse{}, fmt.Errorf("offline writer writes English only, the post is in %q: %w", post.Language, agents.ErrLanguageUnsupported)
	}

	text, err := g.write(post)
	if err != nil {
		return agents.GenerateResponse{}, err
	}
	prompt := req.System + " " + post.Title + " " + post.Text + " " + post.Guidelines + " " + strings.Join(post.Feedback, " ")
	for _, m := range req.Messages {
		prompt += " " + m.Content
	}
	usage := agents.Usage{PromptTokens: approxTokens(prompt), CompletionTokens: approxTokens(text)}
	usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	return agents.GenerateResponse{Content: text, Model: g.cfg.Model, Usage: usage}, nil
}

// approxTokens estimates tokens as 1.3 per word.
func approxTokens(s string) int {
	return int(math.Ceil(float64(len(strings.Fields(s))) * 1.3))
}

// seed derives the random choices from the post's identity and the attempt.
func seed(p *agents.PostContext) uint64 {
	h := fnv.New64a()
	id := p.URL
	if id == "" {
		id = p.Title + "\x00" + p.Text
	}
	_, _ = fmt.Fprintf(h, "%s\x00%d", id, p.Attempt)
	return h.Sum64()
}

func newRand(p *agents.PostContext) *rand.Rand {
	s := seed(p)
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}

// isEnglish reports whether a language tag is English, or unknown ("").
func isEnglish(tag string) bool {
	tag = strings.ToLower(strings.TrimSpace(tag))
	return tag == "" || tag == "en" || strings.HasPrefix(tag, "en-") || strings.HasPrefix(tag, "en_")
}
