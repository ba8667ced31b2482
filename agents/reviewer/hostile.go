package reviewer

import (
	"regexp"
	"strings"

	"github.com/kpbot/kpbot/agents/relevance"
)

// MaxCopiedWords is the longest run of the post's words a draft may copy:
// a short quote, not a passage.
const MaxCopiedWords = 15

// emailPattern finds e-mail addresses, plain or lightly disguised.
var emailPattern = regexp.MustCompile(`(?i)\b[a-z0-9._%+-]+\s*(?:@|\(at\)|\[at\]| at )\s*[a-z0-9-]+(?:\.[a-z0-9-]+)*\s*(?:\.|\(dot\)|\[dot\]| dot )\s*[a-z]{2,}\b`)

// instructionPatterns are what a prompt injection or a spam template
// leaves in a draft: talk to or about the model, and calls to act off the
// page.
var instructionPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(?i)\b(?:ignore|disregard|forget)\b[^.!?]{0,40}\b(?:instructions?|prompts?|rules|above|previous)\b`),
	regexp.MustCompile(`(?i)\b(?:system prompt|as an ai\b|language model|you are now|new instructions|assistant:|user:|<\|)`),
	regexp.MustCompile(`(?i)\b(?:click (?:here|the|this|on)|visit (?:my|our)|check out (?:my|our)|sign up|subscribe to (?:my|our)|follow (?:me|us)|dm me|message me|contact (?:me|us)|e-?mail (?:me|us)|call (?:me|us|now)|whatsapp|telegram)\b`),
	regexp.MustCompile(`(?i)\b(?:buy now|use (?:the )?code|promo code|discount code|coupon|limited offer|free trial|best price|cheap)\b`),
}

// findEmail returns the first e-mail address in s, or "".
func findEmail(s string) string { return emailPattern.FindString(s) }

// findInstruction returns the first instruction-like phrase in s, or "".
func findInstruction(s string) string {
	for _, re := range instructionPatterns {
		if m := re.FindString(s); m != "" {
			return m
		}
	}
	return ""
}

// longestCopied is the longest run of consecutive words the draft shares
// with the post (lower-cased, punctuation ignored), and that run.
func longestCopied(draft, post string) (int, string) {
	d, p := relevance.Words(draft), relevance.Words(post)
	if len(d) == 0 || len(p) == 0 {
		return 0, ""
	}
	// Where each word of the post occurs, to extend runs from there.
	at := map[string][]int{}
	for i, w := range p {
		at[w] = append(at[w], i)
	}
	best, bestAt := 0, 0
	for i := 0; i < len(d); i++ {
		for _, j := range at[d[i]] {
			n := 0
			for i+n < len(d) && j+n < len(p) && d[i+n] == p[j+n] {
				n++
			}
			if n > best {
				best, bestAt = n, i
			}
		}
	}
	return best, strings.Join(d[bestAt:bestAt+best], " ")
}
