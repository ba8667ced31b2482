package offline

import (
	"regexp"
	"strings"
)

// adjustments are what the writer changes for a retry or a campaign's
// guidelines.
type adjustments struct {
	longer, shorter bool     // length complaints
	quoteTerm       bool     // "does not mention the post": quote a term
	suggested       []string // terms the reviewer suggested, in quotes
	noQuote         bool     // a link complaint: quote nothing
	noPraise        bool     // a generic-praise complaint
	shift           bool     // a near-duplicate complaint: pick another sentence
	avoidKeywords   bool     // a keyword-stuffing complaint
	brief           bool     // guidelines ask for brevity
	noQuestions     bool     // guidelines forbid questions
	ask             bool     // guidelines ask for a question
}

var quoted = regexp.MustCompile(`["“]([^"”]{2,60})["”]`)

// readFeedback interprets reviewer reasons (the reviewer's flag codes or
// plain words) and campaign guidelines.
func readFeedback(feedback []string, guidelines string) adjustments {
	var adj adjustments
	for _, f := range feedback {
		l := strings.ToLower(f)
		has := func(subs ...string) bool {
			for _, s := range subs {
				if strings.Contains(l, s) {
					return true
				}
			}
			return false
		}
		switch {
		case has("too_short", "too short", "longer", "more detail"):
			adj.longer = true
		case has("too_long", "too long", "shorter", "cut"):
			adj.shorter = true
		}
		if has("no_post_reference", "does not mention", "doesn't mention", "not specific", "name a concrete", "reference") {
			adj.quoteTerm = true
			for _, m := range quoted.FindAllStringSubmatch(f, -1) {
				adj.suggested = append(adj.suggested, m[1])
			}
		}
		if has("contains_link", "link", "url") {
			adj.noQuote = true
		}
		if has("generic_praise", "generic", "praise") {
			adj.noPraise = true
		}
		if has("near_duplicate", "duplicate", "similar") {
			adj.shift = true
		}
		if has("keyword_stuffing", "keyword") {
			adj.avoidKeywords = true
		}
	}
	g := strings.ToLower(guidelines)
	adj.brief = strings.Contains(g, "brief") || strings.Contains(g, "short") || strings.Contains(g, "concise")
	adj.noQuestions = strings.Contains(g, "no question") || strings.Contains(g, "don't ask") ||
		strings.Contains(g, "do not ask") || strings.Contains(g, "avoid question")
	adj.ask = !adj.noQuestions && (strings.Contains(g, "ask a question") || strings.Contains(g, "end with a question"))
	return adj
}
