package reviewer

import (
	"strings"

	"github.com/kpbot/kpbot/agents/relevance"
)

// Similarity is the Jaccard similarity, 0..1, of the sets of word
// 3-shingles of a and b (lower-cased words, stopwords kept); texts of
// fewer than three words are compared word by word. Two empty texts have
// similarity 0.
func Similarity(a, b string) float64 {
	sa, sb := shingles(a), shingles(b)
	if len(sa) == 0 || len(sb) == 0 {
		return 0
	}
	inter := 0
	for s := range sa {
		if sb[s] {
			inter++
		}
	}
	return float64(inter) / float64(len(sa)+len(sb)-inter)
}

func shingles(text string) map[string]bool {
	words := relevance.Words(text)
	out := map[string]bool{}
	if len(words) < 3 {
		for _, w := range words {
			out[w] = true
		}
		return out
	}
	for i := 0; i+3 <= len(words); i++ {
		out[strings.Join(words[i:i+3], " ")] = true
	}
	return out
}

// maxSimilarity returns the highest Similarity of draft to any of others
// and that draft's index (-1 when others is empty).
func maxSimilarity(draft string, others []string) (float64, int) {
	best, at := 0.0, -1
	for i, o := range others {
		if s := Similarity(draft, o); s > best || at < 0 {
			best, at = s, i
		}
	}
	return best, at
}
