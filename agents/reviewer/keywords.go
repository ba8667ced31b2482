package reviewer

import "github.com/kpbot/kpbot/agents/relevance"

// keywordStuffing reports a draft in which campaign keyword terms make up
// more than maxDensity of the words (with at least three occurrences), or
// one keyword term occurs five times or more. It returns the most frequent
// keyword term as written in the keywords, and the density.
func keywordStuffing(draft string, keywords []string, maxDensity float64) (bool, string, float64) {
	spelled := map[string]string{}
	for _, k := range keywords {
		for _, w := range relevance.Words(k) {
			for _, t := range relevance.Tokenize(w) {
				if _, ok := spelled[t]; !ok {
					spelled[t] = w
				}
			}
		}
	}
	if len(spelled) == 0 {
		return false, "", 0
	}
	counts := map[string]int{}
	hits := 0
	relevance.EachTerm(draft, func(t string) {
		if _, ok := spelled[t]; ok {
			counts[t]++
			hits++
		}
	})
	total := len(relevance.Words(draft))
	if total == 0 || hits == 0 {
		return false, "", 0
	}
	top, most := "", 0
	for t, c := range counts {
		if c > most || (c == most && t < top) {
			top, most = t, c
		}
	}
	density := float64(hits) / float64(total)
	return (hits >= 3 && density > maxDensity) || most >= 5, spelled[top], density
}
