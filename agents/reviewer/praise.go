package reviewer

import (
	"regexp"
	"strings"

	"github.com/kpbot/kpbot/agents/relevance"
)

// praisePatterns match the stock phrases of comments that say nothing.
var praisePatterns = func() []*regexp.Regexp {
	adj := `(?:great|nice|good|awesome|amazing|excellent|fantastic|wonderful|brilliant|informative|interesting|helpful|useful|insightful|lovely|cool|superb|incredible|fabulous)`
	noun := `(?:post|posts|article|articles|read|blog|piece|write-?up|content|work|job|tips|info|information|explanation|stuff|share|guide|points?)`
	src := []string{
		adj + `\s+` + noun,
		`thanks?(?:\s+you)?(?:\s+(?:so|very)\s+much|\s+a\s+lot)?\s+for\s+(?:sharing|posting|writing|the\s+(?:post|article|info|information|tips|great\s+\w+)|this)`,
		`(?:very|really|so|super|extremely|quite|truly)\s+(?:informative|helpful|useful|interesting|insightful|inspiring|well[- ]written|nice|good|great|cool)`,
		`well[- ]written`,
		`keep\s+(?:up\s+the\s+(?:good|great|nice)\s+work|it\s+up|them\s+coming|writing)`,
		`(?:love|loved|enjoyed|like|liked|appreciate|appreciated)\s+(?:this|the|your)\s+` + noun,
		`learn(?:ed|t)\s+(?:a\s+lot|so\s+much|something\s+new)`,
		`(?:this|that|it)\s+(?:is|was)\s+(?:so\s+|really\s+|very\s+)?(?:great|awesome|amazing|helpful|useful|informative|interesting|excellent)`,
		`must[- ]read`,
		`(?:bookmarked|subscribed)`,
		`thanks?(?:\s+you)?(?:\s+so\s+much)?\s*[!.]`,
	}
	out := make([]*regexp.Regexp, len(src))
	for i, s := range src {
		out[i] = regexp.MustCompile(`(?i)\b(?:` + s + `)`)
	}
	return out
}()

// genericPraise reports a draft made mostly of stock praise: it uses such
// phrases and, beside them, either names nothing from the post (named is
// the number of post terms it names) or says fewer than four other content
// words; or the phrases make up more than half of it. It returns the first
// phrase found.
func genericPraise(draft string, named int) (bool, string) {
	rest := draft
	first := ""
	praiseWords := 0
	for _, re := range praisePatterns {
		for _, m := range re.FindAllString(rest, -1) {
			if first == "" {
				first = strings.TrimSpace(m)
			}
			praiseWords += len(relevance.Words(m))
		}
		rest = re.ReplaceAllString(rest, " ")
	}
	if first == "" {
		return false, ""
	}
	content := 0
	relevance.EachTerm(rest, func(t string) {
		if !isGeneric(t) {
			content++
		}
	})
	total := len(relevance.Words(draft))
	mostly := total > 0 && float64(praiseWords) > 0.5*float64(total)
	return named == 0 || content < 4 || mostly, first
}
