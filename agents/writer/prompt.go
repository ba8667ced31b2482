package writer

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kpbot/kpbot/agents"
)

// maxPromptText caps how much of the post goes into the prompt.
const maxPromptText = 6000

// systemPrompt tells the model how the campaign wants comments written.
func systemPrompt(b agents.Brief, lang string) string {
	var sb strings.Builder
	sb.WriteString("You write one thoughtful blog comment for a person to review before posting. ")
	sb.WriteString("Engage with one specific point of the post, naming it concretely. ")
	sb.WriteString("No generic praise, no keyword stuffing, 2 to 4 sentences. ")
	sb.WriteString(agents.UntrustedNotice + " ")
	if !b.AllowLinks {
		sb.WriteString("Do not include any links or domain names. ")
	}
	if lang == "" {
		sb.WriteString("Write in the language the post is written in")
	} else {
		fmt.Fprintf(&sb, "Write in %s, the language of the post", agents.LanguageName(lang))
	}
	if b.Tone != "" {
		fmt.Fprintf(&sb, " with a %s tone", b.Tone)
	}
	sb.WriteString(".")
	if g := strings.TrimSpace(b.Guidelines); g != "" {
		sb.WriteString(" Follow these guidelines: " + g)
	}
	return sb.String()
}

// userPrompt carries the post and, on a retry, the reviewer's reasons.
func userPrompt(pc *agents.PostContext) string {
	text := pc.Text
	if len(text) > maxPromptText {
		n := maxPromptText
		for n > 0 && !utf8.RuneStart(text[n]) {
			n--
		}
		text = text[:n]
	}
	var sb strings.Builder
	block, _ := agents.FenceUntrusted("POST", fmt.Sprintf("Title: %s\nSite: %s\n\n%s", pc.Title, pc.Site, text))
	sb.WriteString(block + "\n")
	if len(pc.Feedback) > 0 {
		fmt.Fprintf(&sb, "\nYour previous draft (attempt %d) was refused by the reviewer:\n- %s\nWrite a new comment that fixes these problems.\n",
			pc.Attempt, strings.Join(pc.Feedback, "\n- "))
	}
	sb.WriteString("\nReply with the comment text only.")
	return sb.String()
}
