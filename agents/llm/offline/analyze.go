package offline

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kpbot/kpbot/agents/postag"
	"github.com/kpbot/kpbot/agents/relevance"
	"github.com/kpbot/kpbot/agents/reviewer"
)

// boilerplate marks sentences that are page furniture, not content.
var boilerplate = []string{
	"subscribe", "newsletter", "cookie", "privacy policy", "all rights reserved", "copyright",
	"sign up", "log in", "click here", "share this", "follow us", "related posts", "leave a comment",
	"leave a reply", "comments", "posted in", "tagged", "read more", "affiliate", "sponsored",
	"advertisement", "terms of service", "unsubscribe", "inbox", "patreon", "buy me a coffee",
}

// token is one word of a sentence, with the punctuation that follows it.
type token struct {
	raw     string // as written
	lower   string
	stem    string
	content bool // not a stopword
	breaks  bool // punctuation after it ends a phrase
}

type sentence struct {
	text   string
	tokens []token
	tags   []postag.Tag // the tokens' parts of speech
	score  float64
	index  int
}

type phrase struct {
	text     string   // as it will be written in the comment
	stems    []string // the stems of its words
	score    float64
	sentence int // index into analysis.sentences, -1 for the title
}

type analysis struct {
	sentences []sentence
	phrases   []phrase // best first
	weight    map[string]float64
}

// analyze scores the post's sentences and phrases. avoid holds stems that
// must not appear in chosen phrases (campaign keywords after a
// keyword-stuffing complaint).
func analyze(title, text string, keywords []string, avoid map[string]bool) analysis {
	var a analysis
	kw := map[string]bool{}
	for _, k := range keywords {
		relevance.EachTerm(k, func(t string) { kw[t] = true })
	}
	titleStems := map[string]bool{}
	relevance.EachTerm(title, func(t string) { titleStems[t] = true })

	for _, s := range splitSentences(text) {
		if skipSentence(s) {
			continue
		}
		toks := tokenize(s)
		a.sentences = append(a.sentences, sentence{text: s, tokens: toks, tags: tagTokens(toks), index: len(a.sentences)})
	}

	// Term weights: frequency in the post × inverse sentence frequency.
	tf, sf := map[string]int{}, map[string]int{}
	for _, s := range a.sentences {
		seen := map[string]bool{}
		for _, tk := range s.tokens {
			if !tk.content {
				continue
			}
			tf[tk.stem]++
			if !seen[tk.stem] {
				seen[tk.stem] = true
				sf[tk.stem]++
			}
		}
	}
	n := float64(len(a.sentences))
	a.weight = make(map[string]float64, len(tf))
	for st, f := range tf {
		w := float64(f) * math.Log(1+n/float64(sf[st]))
		if titleStems[st] {
			w *= 2
		}
		if kw[st] {
			w *= 1.5
		}
		if reviewer.IsCommentaryWord(st) {
			w *= 0.1
		}
		a.weight[st] = w
	}

	proper := properNouns(a.sentences)
	for i := range a.sentences {
		s := &a.sentences[i]
		seen := map[string]bool{}
		var sum float64
		for _, tk := range s.tokens {
			if tk.content && !seen[tk.stem] {
				seen[tk.stem] = true
				sum += a.weight[tk.stem]
			}
		}
		words := len(s.tokens)
		// Prefer sentences of 8 to 30 words: short ones say little, long
		// ones quote badly.
		lengthFit := 1.0
		if words < 8 {
			lengthFit = float64(words) / 8
		} else if words > 30 {
			lengthFit = 30 / float64(words)
		}
		s.score = sum / math.Sqrt(float64(words)+1) * lengthFit
		for _, p := range phrasesOf(s.tokens, s.tags, proper) {
			if overlaps(p.stems, avoid) {
				continue
			}
			p.sentence = i
			var sum float64
			for _, st := range p.stems {
				sum += a.weight[st]
			}
			p.score *= sum / math.Sqrt(float64(len(p.stems)))
			if len(p.stems) > 1 {
				p.score *= 1.5
			}
			a.phrases = append(a.phrases, p)
		}
	}
	// The title's phrases count too, though there is no sentence to quote.
	titleToks := tokenize(title)
	for _, p := range phrasesOf(titleToks, tagTokens(titleToks), proper) {
		if overlaps(p.stems, avoid) {
			continue
		}
		p.sentence = -1
		var sum float64
		for _, st := range p.stems {
			sum += max(a.weight[st], 1)
		}
		p.score *= sum / math.Sqrt(float64(len(p.stems)))
		a.phrases = append(a.phrases, p)
	}
	a.phrases = dedupePhrases(a.phrases)
	return a
}

// splitSentences cuts text at paragraph breaks and at ". ", "! ", "? "
// followed by a capital, a digit or a quote, leaving abbreviations such
// as "e.g." alone.
func splitSentences(text string) []string {
	var out []string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		para = strings.Join(strings.Fields(para), " ")
		start := 0
		for i := 0; i < len(para); i++ {
			c := para[i]
			if c != '.' && c != '!' && c != '?' {
				continue
			}
			if i+2 >= len(para) || para[i+1] != ' ' {
				continue
			}
			next, _ := utf8.DecodeRuneInString(para[i+2:])
			if !unicode.IsUpper(next) && !unicode.IsDigit(next) && next != '"' && next != '“' {
				continue
			}
			if c == '.' && isAbbreviation(para[start:i]) {
				continue
			}
			out = appendSentence(out, para[start:i+1])
			start = i + 2
		}
		out = appendSentence(out, para[start:])
	}
	return out
}

func appendSentence(out []string, s string) []string {
	if s = strings.TrimSpace(s); s != "" {
		out = append(out, s)
	}
	return out
}

func isAbbreviation(before string) bool {
	i := strings.LastIndexByte(before, ' ')
	last := strings.ToLower(before[i+1:])
	switch last {
	case "e.g", "i.e", "etc", "vs", "mr", "mrs", "ms", "dr", "st", "no", "fig", "approx":
		return true
	}
	return false
}

// skipSentence drops boilerplate, link-bearing, code-like and very short
// sentences.
func skipSentence(s string) bool {
	lower := strings.ToLower(s)
	for _, b := range boilerplate {
		if strings.Contains(lower, b) {
			return true
		}
	}
	if reviewer.FindLink(s) != "" || strings.ContainsAny(s, "{}<>=;@#") {
		return true
	}
	words := len(strings.Fields(s))
	return words < 5 || words > 60
}

func tokenize(s string) []token {
	var toks []token
	fields := strings.Fields(s)
	for _, f := range fields {
		core := strings.TrimFunc(f, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if core == "" {
			if len(toks) > 0 {
				toks[len(toks)-1].breaks = true
			}
			continue
		}
		lower := strings.ToLower(core)
		tk := token{raw: core, lower: lower}
		norm := strings.ReplaceAll(lower, "’", "'")
		if !relevance.IsStopword(norm) && !strings.ContainsAny(norm, "'") {
			terms := relevance.Tokenize(lower)
			if len(terms) == 1 {
				tk.stem, tk.content = terms[0], true
			}
		}
		// Punctuation inside or after the word ends a phrase there.
		trail := f[strings.LastIndex(f, core)+len(core):]
		lead := f[:strings.Index(f, core)]
		if lead != "" && len(toks) > 0 {
			toks[len(toks)-1].breaks = true
		}
		tk.breaks = trail != ""
		toks = append(toks, tk)
	}
	return toks
}

// properNouns returns the lower-case words the post always capitalises,
// even mid-sentence: names, products and acronyms keep their case.
func properNouns(sentences []sentence) map[string]bool {
	capsMid, lowerSeen := map[string]bool{}, map[string]bool{}
	for _, s := range sentences {
		for i, tk := range s.tokens {
			r, _ := utf8.DecodeRuneInString(tk.raw)
			switch {
			case tk.raw == tk.lower:
				lowerSeen[tk.lower] = true
			case i > 0 && unicode.IsUpper(r):
				capsMid[tk.lower] = true
			case hasInnerUpper(tk.raw):
				capsMid[tk.lower] = true
			}
		}
	}
	out := map[string]bool{}
	for w := range capsMid {
		if !lowerSeen[w] {
			out[w] = true
		}
	}
	return out
}

func hasInnerUpper(s string) bool {
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// tagTokens tags a sentence's tokens with postag, each token written with
// a comma when punctuation follows it, so the tagger sees the breaks.
func tagTokens(toks []token) []postag.Tag {
	words := make([]string, len(toks))
	for i, tk := range toks {
		words[i] = tk.raw
		if tk.breaks {
			words[i] += ","
		}
	}
	return postag.TagWords(words)
}

// phrasesOf returns the candidate phrases of a sentence: runs of one to
// three adjacent content words not split by punctuation that postag reads
// as a whole noun phrase (adjectives and nouns ending in a noun, not cut
// from a longer compound, no verb, number or function word), holding at
// least one distinctive word (four letters or more, not commentary
// vocabulary); a single word must itself be distinctive.
func phrasesOf(toks []token, tags []postag.Tag, proper map[string]bool) []phrase {
	words := make([]string, len(toks))
	for i, tk := range toks {
		words[i] = tk.raw
		if tk.breaks {
			words[i] += ","
		}
	}
	var out []phrase
	for i := range toks {
		for n := 1; n <= 3 && i+n <= len(toks); n++ {
			run := toks[i : i+n]
			ok, distinct := true, false
			for j, tk := range run {
				if !tk.content || (j < n-1 && tk.breaks) {
					ok = false
					break
				}
				if isDistinctive(tk) {
					distinct = true
				}
			}
			if !ok || !distinct || !isDistinctive(run[n-1]) && n > 1 && !isDistinctive(run[0]) {
				continue
			}
			if n == 1 && !isDistinctive(run[0]) || !phraseOK(run) || !postag.IsNounPhrase(words, tags, i, i+n) {
				continue
			}
			words := make([]string, n)
			stems := make([]string, n)
			for j, tk := range run {
				words[j] = tk.lower
				if proper[tk.lower] || hasInnerUpper(tk.raw) || isAllCaps(tk.raw) {
					words[j] = tk.raw
				}
				stems[j] = tk.stem
			}
			out = append(out, phrase{text: strings.Join(words, " "), stems: stems, score: nounLikeness(run)})
		}
	}
	return out
}

// nounLikeness is a multiplier that favours phrases that read as things
// ("partial index") over verbs and adverbs ("started timing", "quickly"):
// the templates talk about a phrase as a noun.
func nounLikeness(run []token) float64 {
	f := 1.0
	for _, tk := range run {
		if strings.HasSuffix(tk.lower, "ly") && len(tk.lower) > 4 {
			f *= 0.3
		}
	}
	last := run[len(run)-1].lower
	switch {
	case strings.HasSuffix(last, "ed") && len(last) > 4:
		f *= 0.5
	case strings.HasSuffix(last, "ing") && len(last) > 5 && len(run) > 1:
		f *= 0.7
	}
	return f
}

func isDistinctive(tk token) bool {
	return tk.content && utf8.RuneCountInString(tk.lower) >= 4 && !reviewer.IsCommentaryWord(tk.lower) &&
		strings.Trim(tk.lower, "0123456789.,-") != ""
}

func isAllCaps(s string) bool {
	return utf8.RuneCountInString(s) >= 2 && strings.ToUpper(s) == s && strings.ToLower(s) != s
}

func overlaps(stems []string, set map[string]bool) bool {
	for _, s := range stems {
		if set[s] {
			return true
		}
	}
	return false
}

// dedupePhrases keeps the best-scoring occurrence of each phrase and sorts
// best first (ties by text, for determinism).
func dedupePhrases(ps []phrase) []phrase {
	best := map[string]phrase{}
	count := map[string]int{}
	for _, p := range ps {
		key := strings.Join(p.stems, " ")
		count[key]++
		if b, ok := best[key]; !ok || p.score > b.score {
			best[key] = p
		}
	}
	out := make([]phrase, 0, len(best))
	for key, p := range best {
		if c := count[key]; c > 1 && len(p.stems) > 1 {
			p.score *= 1 + 0.3*float64(min(c, 4)-1) // a repeated multi-word phrase is a real concept
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].text < out[j].text
	})
	return out
}
