package agents

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxPromptPostBytes caps how much of a post's text goes into a comment
// prompt; the cut falls on a character boundary.
const MaxPromptPostBytes = 6000

// CommentPrompt renders a comment-drafting task as a system and a user
// message. The system message holds how the campaign wants comments
// written (tone, language, link policy, guidelines); the user message
// holds the post, fenced as untrusted data (FenceUntrusted), and on a
// retry the reviewer's reasons. It is the one prompt of a comment: the
// comment writer (agents/writer) sends it, and an LLM adapter given only
// a Post (no Messages) renders it.
func CommentPrompt(pc *PostContext) (system, user string) {
	return commentSystemPrompt(pc), commentUserPrompt(pc)
}

// commentSystemPrompt tells the model how the campaign wants comments
// written.
func commentSystemPrompt(pc *PostContext) string {
	var sb strings.Builder
	sb.WriteString("You write one thoughtful blog comment for a person to review before posting. ")
	sb.WriteString("Engage with one specific point of the post, naming it concretely. ")
	sb.WriteString("No generic praise, no keyword stuffing, 2 to 4 sentences. ")
	sb.WriteString(UntrustedNotice + " ")
	if !pc.AllowLinks {
		sb.WriteString("Do not include any links or domain names. ")
	}
	if pc.Language == "" {
		sb.WriteString("Write in the language the post is written in")
	} else {
		fmt.Fprintf(&sb, "Write in %s, the language of the post", LanguageName(pc.Language))
	}
	if pc.Tone != "" {
		fmt.Fprintf(&sb, " with a %s tone", pc.Tone)
	}
	sb.WriteString(".")
	if g := strings.TrimSpace(pc.Guidelines); g != "" {
		sb.WriteString(" Follow these guidelines: " + g)
	}
	return sb.String()
}

// commentUserPrompt carries the post and, on a retry, the reviewer's
// reasons.
func commentUserPrompt(pc *PostContext) string {
	text := pc.Text
	if len(text) > MaxPromptPostBytes {
		n := MaxPromptPostBytes
		for n > 0 && !utf8.RuneStart(text[n]) {
			n--
		}
		text = text[:n]
	}
	var sb strings.Builder
	block, _ := FenceUntrusted("POST", fmt.Sprintf("Title: %s\nSite: %s\n\n%s", pc.Title, pc.Site, text))
	sb.WriteString(block + "\n")
	if len(pc.Feedback) > 0 {
		fmt.Fprintf(&sb, "\nYour previous draft (attempt %d) was refused by the reviewer:\n- %s\nWrite a new comment that fixes these problems.\n",
			pc.Attempt, strings.Join(pc.Feedback, "\n- "))
	}
	sb.WriteString("\nReply with the comment text only.")
	return sb.String()
}
