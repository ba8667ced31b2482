package web

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text directions reported in Article.Dir.
const (
	DirLTR = "ltr"
	DirRTL = "rtl"
)

// rtlLanguages are the primary language subtags written right to left.
var rtlLanguages = map[string]bool{
	"ar": true, "he": true, "iw": true, "fa": true, "ur": true, "yi": true, "ps": true, "sd": true,
	"ug": true, "dv": true, "ckb": true,
}

// stopwords are frequent short words that tell Latin-script languages apart.
var stopwords = map[string][]string{
	"en": {"the", "and", "of", "to", "in", "is", "that", "it", "was", "for", "with", "on", "as", "are", "this", "by", "we", "be", "at", "have", "from", "not", "but", "which", "or", "had", "they", "you", "would"},
	"fr": {"le", "la", "les", "des", "est", "et", "un", "une", "du", "dans", "que", "qui", "pour", "pas", "sur", "au", "avec", "ce", "nous", "plus", "sont", "aux", "mais", "ou", "été", "cette", "leur"},
	"de": {"der", "die", "das", "und", "ist", "nicht", "ein", "eine", "zu", "den", "mit", "sich", "auf", "für", "von", "dem", "wir", "auch", "es", "nach", "bei", "wie", "uns", "haben", "wurde", "aber", "dass", "im"},
	"es": {"el", "la", "los", "las", "de", "que", "y", "en", "un", "una", "es", "por", "con", "para", "del", "se", "no", "al", "lo", "como", "más", "su", "pero", "sus", "hay", "este", "antes", "cada"},
	"pt": {"o", "os", "as", "de", "que", "e", "em", "um", "uma", "é", "do", "da", "dos", "das", "para", "com", "não", "no", "na", "por", "mais", "ao", "minha", "meu", "foi", "até", "quando"},
	"it": {"il", "lo", "gli", "della", "che", "è", "di", "e", "un", "una", "per", "non", "con", "del", "sono", "nel", "alla", "anche", "più", "come", "questo", "ma", "ha"},
	"nl": {"de", "het", "een", "en", "van", "is", "dat", "niet", "op", "te", "met", "voor", "zijn", "er", "maar", "ook", "als", "bij", "wordt", "naar", "hebben", "wij"},
	"sv": {"och", "att", "det", "som", "en", "på", "är", "av", "för", "med", "till", "den", "har", "inte", "om", "ett", "men", "jag", "vi", "var"},
	"pl": {"i", "w", "na", "nie", "się", "z", "do", "jest", "to", "że", "o", "jak", "ale", "po", "co", "tak", "za", "od", "przez", "być"},
}

// stopIndex maps a word to the languages it is frequent in.
var stopIndex = func() map[string][]string {
	m := map[string][]string{}
	for lang, words := range stopwords {
		for _, w := range words {
			m[w] = append(m[w], lang)
		}
	}
	return m
}()

// DetectLanguage guesses the language of text from its script and, for
// Latin script, its most frequent short words. It returns a primary
// language subtag ("en", "fr", "ar", "ja", ...) and whether the guess is
// confident (enough text, a clear winner); "" when it cannot tell.
func DetectLanguage(text string) (string, bool) {
	if len(text) > 20000 {
		text = text[:20000]
	}
	var latin, total int
	scripts := map[string]int{}
	var persian, ukrainian int
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		total++
		switch {
		case r < 0x250:
			latin++
		case unicode.Is(unicode.Hebrew, r):
			scripts["he"]++
		case unicode.Is(unicode.Arabic, r):
			scripts["ar"]++
			if strings.ContainsRune("پچژگ", r) {
				persian++
			}
		case unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r):
			scripts["ja"]++
		case unicode.Is(unicode.Hangul, r):
			scripts["ko"]++
		case unicode.Is(unicode.Han, r):
			scripts["han"]++
		case unicode.Is(unicode.Cyrillic, r):
			scripts["ru"]++
			if strings.ContainsRune("іїєґІЇЄҐ", r) {
				ukrainian++
			}
		case unicode.Is(unicode.Greek, r):
			scripts["el"]++
		case unicode.Is(unicode.Devanagari, r):
			scripts["hi"]++
		case unicode.Is(unicode.Thai, r):
			scripts["th"]++
		}
	}
	if total < 20 {
		return "", false
	}
	if latin*2 < total {
		best, n := "", 0
		for s, c := range scripts {
			if c > n || c == n && s < best {
				best, n = s, c
			}
		}
		switch {
		case best == "han" && scripts["ja"] > 0:
			best = "ja" // Japanese mixes kanji with kana
		case best == "han":
			best = "zh"
		case best == "ar" && persian*50 > n:
			best = "fa"
		case best == "ru" && ukrainian*50 > n:
			best = "uk"
		}
		if best == "ja" && scripts["han"] > 0 {
			n += scripts["han"]
		}
		return best, n*2 > total && n >= 15
	}
	counts := map[string]int{}
	words := 0
	eachShortWord(text, func(w []byte) {
		words++
		for _, lang := range stopIndex[string(w)] { // no allocation: a map index
			counts[lang]++
		}
	})
	best, second := "", ""
	for lang, c := range counts {
		switch {
		case best == "" || c > counts[best] || c == counts[best] && lang < best:
			best, second = lang, best
		case second == "" || c > counts[second] || c == counts[second] && lang < second:
			second = lang
		}
	}
	if best == "" {
		return "", false
	}
	top, next := counts[best], counts[second]
	return best, words >= 30 && top >= 8 && top*2 > next*3
}

// primaryLang is a language tag's primary subtag, lower-cased: "en" for
// "en-US" or "en_US".
func primaryLang(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	tag, _, _ = strings.Cut(tag, "-")
	tag, _, _ = strings.Cut(tag, "_")
	return tag
}

// resolveLanguage settles the page's language: the declared tag (html
// lang, og:locale, Content-Language) unless the text, confidently read,
// is in another language (themes declare "en-US" over French posts); the
// detected language when nothing is declared.
func resolveLanguage(declared, text string) string {
	declared = strings.ReplaceAll(strings.TrimSpace(declared), "_", "-")
	detected, sure := DetectLanguage(text)
	switch {
	case declared == "":
		return detected
	case sure && detected != primaryLang(declared):
		return detected
	}
	return declared
}

// directionOf is the declared dir when it is ltr or rtl, else the
// direction of the language.
func directionOf(declared, lang string) string {
	switch strings.ToLower(strings.TrimSpace(declared)) {
	case DirRTL:
		return DirRTL
	case DirLTR:
		return DirLTR
	}
	if rtlLanguages[primaryLang(lang)] {
		return DirRTL
	}
	return DirLTR
}

// eachShortWord calls fn for every word (a run of letters) of text: with
// the word lower-cased when it is at most 12 bytes long (stopwords are
// short), else with nil. It allocates nothing.
func eachShortWord(text string, fn func(w []byte)) {
	var buf [12]byte
	n, long, in := 0, false, false
	flush := func() {
		if in {
			if long {
				fn(nil)
			} else {
				fn(buf[:n])
			}
		}
		n, long, in = 0, false, false
	}
	for _, r := range text {
		if !unicode.IsLetter(r) {
			flush()
			continue
		}
		in = true
		r = unicode.ToLower(r)
		if long || n+utf8.RuneLen(r) > len(buf) {
			long = true
			continue
		}
		n += utf8.EncodeRune(buf[n:], r)
	}
	flush()
}
