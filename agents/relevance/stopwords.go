package relevance

// IsStopword reports whether the lower-case word w is an English function
// word that carries no topic: articles, pronouns, auxiliaries,
// prepositions, conjunctions and the most common adverbs.
func IsStopword(w string) bool {
	_, ok := stopwords[w]
	return ok
}

var stopwords = func() map[string]struct{} {
	list := []string{
		"a", "about", "above", "after", "again", "against", "all", "almost", "also", "although", "always",
		"am", "among", "an", "and", "any", "anyone", "anything", "are", "aren't", "around", "as", "at",
		"be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
		"can", "can't", "cannot", "could", "couldn't", "did", "didn't", "do", "does", "doesn't", "doing",
		"e.g", "i.e",
		"don't", "down", "during", "each", "either", "else", "enough", "etc", "even", "ever", "every",
		"few", "for", "from", "further", "get", "gets", "got", "had", "hadn't", "has", "hasn't", "have",
		"haven't", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how",
		"however", "i", "i'd", "i'll", "i'm", "i've", "if", "in", "into", "is", "isn't", "it", "it's",
		"its", "itself", "just", "let", "let's", "like", "made", "make", "many", "may", "me", "might",
		"more", "most", "much", "must", "my", "myself", "neither", "never", "no", "nor", "not", "now",
		"of", "off", "often", "on", "once", "one", "only", "or", "other", "others", "otherwise", "our",
		"ours", "ourselves", "out", "over", "own", "per", "perhaps", "quite", "rather", "really", "same",
		"she", "should", "shouldn't", "since", "so", "some", "something", "still", "such", "than", "that",
		"that's", "the", "their", "theirs", "them", "themselves", "then", "there", "there's", "these",
		"they", "they're", "this", "those", "though", "through", "thus", "to", "too", "under", "until",
		"up", "upon", "us", "use", "used", "uses", "using", "very", "via", "was", "wasn't", "we", "we'll",
		"we're", "we've", "well", "were", "weren't", "what", "what's", "when", "where", "whether",
		"which", "while", "who", "whom", "whose", "why", "will", "with", "within", "without", "won't",
		"would", "wouldn't", "yet", "you", "you'd", "you'll", "you're", "you've", "your", "yours",
		"yourself", "yourselves",
	}
	m := make(map[string]struct{}, len(list))
	for _, w := range list {
		m[w] = struct{}{}
	}
	return m
}()
