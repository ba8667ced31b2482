package relevance

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Words splits text into lower-cased words: runs of letters and digits,
// keeping inner apostrophes, hyphens and dots ("don't", "real-time",
// "node.js") together. Nothing is dropped or stemmed.
func Words(text string) []string {
	var out []string
	EachWord(text, func(w string) { out = append(out, w) })
	return out
}

// EachWord calls fn with every lower-cased word of text, as Words splits
// them, without allocating the slice.
func EachWord(text string, fn func(word string)) {
	EachRawWord(text, func(w string) { fn(strings.ToLower(w)) })
}

// EachRawWord is EachWord without the lower-casing: fn gets each word as
// text spells it.
func EachRawWord(text string, fn func(word string)) {
	start := -1
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			i += size
			continue
		}
		if start >= 0 && (r == '\'' || r == '’' || r == '-' || r == '.') && i+size < len(text) {
			next, _ := utf8.DecodeRuneInString(text[i+size:])
			if unicode.IsLetter(next) || unicode.IsDigit(next) {
				i += size
				continue
			}
		}
		if start >= 0 {
			fn(text[start:i])
			start = -1
		}
		i += size
	}
	if start >= 0 {
		fn(text[start:])
	}
}

// Tokenize returns the index terms of text: its words, lower-cased, split
// at hyphens, without stopwords and one-character words, stemmed with
// Stem. A word with an apostrophe is cut there unless it is a stopword
// whole ("aren't" is dropped, "postgres's" is "postgres").
func Tokenize(text string) []string {
	var out []string
	EachTerm(text, func(term string) { out = append(out, term) })
	return out
}

// EachTerm calls fn with every index term of text, as Tokenize returns
// them, without allocating the slice.
func EachTerm(text string, fn func(term string)) {
	EachWord(text, func(w string) {
		if IsStopword(strings.ReplaceAll(w, "’", "'")) {
			return
		}
		if i := strings.IndexAny(w, "'’"); i >= 0 {
			w = w[:i]
		}
		for part := range strings.SplitSeq(w, "-") {
			part = strings.Trim(part, ".")
			if len([]rune(part)) < 2 || IsStopword(part) {
				continue
			}
			fn(Stem(part))
		}
	})
}
