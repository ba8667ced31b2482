package postag

import (
	"strings"
)

// IsNounPhrase reports whether words[i:j] of a tagged sentence (tags from
// TagWords on the whole sentence) reads as a thing a comment can name:
// adjectives and nouns ending in a noun, no number, verb or function
// word, and not cut from a longer compound (the word after it, unless
// punctuation intervenes, is not a noun).
func IsNounPhrase(words []string, tags []Tag, i, j int) bool {
	if i < 0 || j > len(words) || i >= j {
		return false
	}
	for k := i; k < j; k++ {
		switch tags[k] {
		case Noun, Propn:
		case Adj:
			if k == j-1 {
				return false
			}
		default:
			return false
		}
		if k < j-1 && endsWithPunct(words[k]) {
			return false
		}
	}
	if j < len(words) && !endsWithPunct(words[j-1]) && tags[j].Nominal() {
		return false // "build" out of "build times"
	}
	return true
}

// Broken lists the grammatical breaks in text that a template filled
// with a bad fragment leaves behind: a determiner followed by a
// preposition, conjunction, modal or pronoun ("the of"), a preposition
// followed by a modal ("onto can"), a verb followed by a simple past
// form ("said came"), and a quotation that ends on a function word
// ("… workloads onto"). Each problem is one short description.
func Broken(text string) []string {
	var out []string
	for _, sent := range splitSentences(text) {
		words := strings.Fields(sent)
		tags := TagWords(words)
		for i := 0; i+1 < len(words); i++ {
			if endsWithPunct(words[i]) {
				continue
			}
			a, b := tags[i], tags[i+1]
			pair := words[i] + " " + strings.TrimRight(words[i+1], ",;:.!?\"”")
			switch {
			case a == Det && (b == Adp || b == Conj || b == Pron || b == Det || Modal(words[i+1])) && !allowedAfterDet(normalise(words[i]), normalise(words[i+1])):
				out = append(out, "a determiner without its noun: \""+pair+"\"")
			case a == Adp && Modal(words[i+1]):
				out = append(out, "a preposition before a modal: \""+pair+"\"")
			case a == Verb && PastOnly(words[i+1]) && !startsQuote(words[i+1]):
				out = append(out, "two verbs in a row: \""+pair+"\"")
			}
		}
	}
	for _, q := range quotations(text) {
		words := strings.Fields(q)
		if len(words) == 0 {
			continue
		}
		if lastWord := normalise(words[len(words)-1]); neverFinal[lastWord] || Modal(lastWord) {
			out = append(out, "a quotation cut off after \""+words[len(words)-1]+"\"")
		}
	}
	return out
}

// neverFinal are words a quoted clause cannot end on: articles,
// possessives, conjunctions and prepositions that are not also adverbs
// ("blend in", "and beyond" are whole).
var neverFinal = set(`the a an its their our my your his her this these those and or but nor of onto into
	with from than to via upon per at for`)

// allowedAfterDet are determiner pairs that are fine ("all the", "both of").
func allowedAfterDet(det, next string) bool {
	switch det {
	case "all", "both", "half", "such", "what", "many", "few", "several", "each", "some", "any", "none", "either", "neither", "much", "that", "which", "this", "these", "those":
		return true
	}
	switch next {
	case "own", "few", "little", "while", "lot", "bit", "other", "more", "most", "less", "least", "one":
		return true
	}
	return false
}

func startsQuote(w string) bool { return strings.HasPrefix(w, "\"") || strings.HasPrefix(w, "“") }

// quotations returns the texts between double quotes.
func quotations(text string) []string {
	text = strings.NewReplacer("“", "\"", "”", "\"").Replace(text)
	parts := strings.Split(text, "\"")
	var out []string
	for i := 1; i < len(parts); i += 2 {
		if i < len(parts)-1 {
			out = append(out, parts[i])
		}
	}
	return out
}

// splitSentences cuts text after . ! ? followed by a space.
func splitSentences(text string) []string {
	var out []string
	start := 0
	for i := 0; i+1 < len(text); i++ {
		if (text[i] == '.' || text[i] == '!' || text[i] == '?') && text[i+1] == ' ' {
			out = append(out, text[start:i+1])
			start = i + 2
		}
	}
	return append(out, text[start:])
}
