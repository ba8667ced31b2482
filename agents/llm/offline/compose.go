package offline

import (
	"math/rand/v2"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/postag"
	"github.com/kpbot/kpbot/agents/relevance"
)

// maxQuoteWords bounds a quote from the post.
const maxQuoteWords = 12

// draft is the plan of one comment.
type draft struct {
	tone         string
	a, b, c      string // phrases
	quote        string
	opener       string
	body         string
	closer       string
	extra        string
	withCloser   bool
	withExtra    bool
	keepCloser   bool // the guidelines want the closing question
	minChars     int
	maxChars     int
	contractions bool
}

func (g *Generator) write(p *agents.PostContext) (string, error) {
	rng := newRand(p)
	adj := readFeedback(p.Feedback, p.Guidelines)
	avoid := map[string]bool{}
	if adj.avoidKeywords {
		for _, k := range p.Keywords {
			relevance.EachTerm(k, func(t string) { avoid[t] = true })
		}
	}
	an := analyze(p.Title, p.Text, p.Keywords, avoid)
	if len(an.phrases) == 0 && len(avoid) > 0 {
		an = analyze(p.Title, p.Text, p.Keywords, nil)
	}

	d := draft{tone: toneOf(p.Tone), minChars: g.cfg.MinChars, maxChars: g.cfg.MaxChars}
	d.contractions = d.tone != toneProfessional

	focus := pickFocus(an, rng, adj.shift || p.Attempt > 0 && len(p.Feedback) == 0)
	main, ok := pickMain(an, focus, rng, adj.suggested)
	if !ok {
		return fallback(p, d), nil
	}
	d.a = main.text
	if main.sentence >= 0 {
		focus = main.sentence
	} else {
		focus = -1
	}
	second, hasB := pickOther(an, rng, main.stems)
	if hasB {
		d.b = second.text
		if third, ok := pickOther(an, rng, append(append([]string{}, main.stems...), second.stems...)); ok {
			d.c = third.text
		}
	}
	if focus >= 0 && !adj.noQuote && !adj.shorter {
		d.quote = quoteAround(an.sentences[focus].text, main.text)
	}
	if adj.quoteTerm && d.quote == "" && !adj.noQuote {
		d.a = `"` + d.a + `"`
	}

	// Choose the move and the templates.
	moves := []int{moveAgree, moveQuestion, moveCounter}
	if adj.noQuestions {
		moves = []int{moveAgree, moveCounter}
	}
	if adj.noPraise {
		moves = []int{moveQuestion, moveCounter}
		if adj.noQuestions {
			moves = []int{moveCounter}
		}
	}
	move := moves[rng.IntN(len(moves))]
	if adj.ask && move == moveCounter && !adj.noPraise {
		move = moveQuestion
	}

	withQuote := 0
	if d.quote != "" && (rng.IntN(3) > 0 || adj.quoteTerm) {
		withQuote = 1
	}
	ops := openers[d.tone][withQuote]
	if adj.noPraise {
		ops = withoutPraise(ops)
	}
	d.opener = ops[rng.IntN(len(ops))]
	withB := 0
	if d.b != "" {
		withB = 1
	}
	bs := bodies[move][withB]
	d.body = bs[rng.IntN(len(bs))]
	asks := 1
	if move == moveQuestion || adj.noQuestions {
		asks = 0
	}
	if adj.ask {
		asks = 1
	}
	cs := closers[d.tone][asks]
	d.closer = cs[rng.IntN(len(cs))]
	d.extra = extras[rng.IntN(len(extras))]

	// Two to four sentences.
	switch roll := rng.IntN(4); {
	case adj.brief || adj.shorter:
	case adj.longer:
		d.withCloser, d.withExtra = true, true
	case roll == 0:
	case roll == 3:
		d.withCloser, d.withExtra = true, true
	default:
		d.withCloser = true
	}
	if adj.ask {
		d.withCloser, d.keepCloser = true, true
	}
	return d.render(), nil
}

// padding is the plain sentence added when a draft must grow.
const padding = "I will be thinking about {A} for a while, and about how it plays out over time."

// render assembles the draft and fits it within the length bounds: of all
// variants (quote kept or dropped, closer and extra sentence toggled, up
// to two padding sentences) it takes the one within bounds that departs
// least from the plan, else the one nearest the bounds, cut to fit.
func (d *draft) render() string {
	type variant struct {
		quote               string
		opener              string
		closer, extra       bool
		pad, cost, distance int
		text                string
	}
	plan := *d
	var best *variant
	quotes := []string{plan.quote}
	if plan.quote != "" {
		quotes = append(quotes, "")
	}
	for qi, q := range quotes {
		for _, closer := range []bool{plan.withCloser, !plan.withCloser} {
			if d.keepCloser && !closer {
				continue
			}
			for _, extra := range []bool{plan.withExtra, !plan.withExtra} {
				for pad := 0; pad <= 2; pad++ {
					v := variant{quote: q, opener: plan.opener, closer: closer, extra: extra, pad: pad}
					if qi > 0 {
						v.opener = openers[d.tone][0][0]
						v.cost++
					}
					if closer != plan.withCloser {
						v.cost++
					}
					if extra != plan.withExtra {
						v.cost++
					}
					v.cost += pad
					d.quote, d.opener, d.withCloser, d.withExtra = v.quote, v.opener, v.closer, v.extra
					v.text = d.assemble(pad)
					n := utf8.RuneCountInString(v.text)
					v.distance = max(0, d.minChars-n) + max(0, n-d.maxChars)
					if best == nil || v.distance < best.distance || v.distance == best.distance && v.cost < best.cost {
						best = &v
					}
				}
			}
		}
	}
	*d = plan
	if utf8.RuneCountInString(best.text) > d.maxChars {
		return cut(best.text, d.maxChars)
	}
	return best.text
}

func (d *draft) assemble(pad int) string {
	parts := []string{d.fill(d.opener), d.fill(d.body)}
	if d.withExtra && (d.c != "" || d.b != "") {
		parts = append(parts, d.fill(d.extra))
	}
	for range pad {
		parts = append(parts, d.fill(padding))
	}
	if d.withCloser {
		parts = append(parts, d.fill(d.closer))
	}
	return strings.Join(parts, " ")
}

// fill substitutes the placeholders of one template sentence.
func (d *draft) fill(tpl string) string {
	if d.contractions {
		tpl = strings.NewReplacer(contractions...).Replace(tpl)
	}
	c := d.c
	if c == "" {
		c = d.b
	}
	s := strings.NewReplacer("{A}", d.a, "{B}", d.b, "{C}", c, "{Q}", d.quote).Replace(tpl)
	return capitalize(s)
}

func capitalize(s string) string {
	for i, r := range s {
		if unicode.IsLetter(r) {
			return s[:i] + string(unicode.ToUpper(r)) + s[i+utf8.RuneLen(r):]
		}
	}
	return s
}

// cut shortens s to at most n characters at a word boundary, ending it
// with a full stop; a quotation it would cut open is dropped whole, from
// its opening mark, so no quote is ever left cut mid-way.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	t := string(r[:n-1])
	if i := strings.LastIndexByte(t, ' '); i > 0 {
		t = t[:i]
	}
	if strings.Count(t, `"`)%2 == 1 {
		t = t[:strings.LastIndexByte(t, '"')]
	}
	return strings.TrimRight(t, " ,;:-") + "."
}

func toneOf(t string) string {
	t = strings.ToLower(t)
	for _, w := range []string{"casual", "informal", "relaxed", "playful", "fun", "chatty"} {
		if strings.Contains(t, w) {
			return toneCasual
		}
	}
	for _, w := range []string{"professional", "formal", "expert", "neutral", "business", "academic", "technical"} {
		if strings.Contains(t, w) {
			return toneProfessional
		}
	}
	return toneFriendly
}

// pickFocus returns the index of the sentence to engage with: one of the
// three best, or of the next three when shift asks for another one.
func pickFocus(an analysis, rng *rand.Rand, shift bool) int {
	if len(an.sentences) == 0 {
		return -1
	}
	order := make([]int, len(an.sentences))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(i, j int) bool { return an.sentences[order[i]].score > an.sentences[order[j]].score })
	lo := 0
	if shift && len(order) > 3 {
		lo = 3
	}
	hi := min(len(order), lo+3)
	return order[lo+rng.IntN(hi-lo)]
}

// pickMain chooses the main phrase: a term the reviewer suggested if the
// post has it, else one of the two best phrases of the focus sentence,
// else the best phrase of the post.
func pickMain(an analysis, focus int, rng *rand.Rand, suggested []string) (phrase, bool) {
	for _, s := range suggested {
		want := relevance.Tokenize(s)
		if len(want) == 0 {
			continue
		}
		for _, p := range an.phrases {
			if strings.Join(p.stems, " ") == strings.Join(want, " ") {
				return p, true
			}
		}
	}
	var inFocus []phrase
	for _, p := range an.phrases {
		if p.sentence == focus && focus >= 0 {
			inFocus = append(inFocus, p)
		}
	}
	if len(inFocus) > 0 {
		return inFocus[rng.IntN(min(2, len(inFocus)))], true
	}
	if len(an.phrases) > 0 {
		return an.phrases[0], true
	}
	return phrase{}, false
}

// pickOther chooses one of the three best phrases that share no stem with
// used.
func pickOther(an analysis, rng *rand.Rand, used []string) (phrase, bool) {
	set := map[string]bool{}
	for _, s := range used {
		set[s] = true
	}
	var ok []phrase
	for _, p := range an.phrases {
		if !overlaps(p.stems, set) {
			ok = append(ok, p)
			if len(ok) == 3 {
				break
			}
		}
	}
	if len(ok) == 0 {
		return phrase{}, false
	}
	return ok[rng.IntN(len(ok))], true
}

// quoteAround returns a short quote of sentence around the first
// occurrence of phr, always whole: the sentence when it has at most 14
// words, else the clause holding phr (between commas, semicolons, colons
// or dashes) when that is 5 to 14 words, else nothing. A leading "and" or
// "but" is dropped, as are outer punctuation and double quotes; a quote
// that would end on a function word ("… onto") is not taken.
func quoteAround(sentence, phr string) string {
	words := strings.Fields(sentence)
	first := strings.ToLower(strings.Fields(phr)[0])
	at := 0
	for i, w := range words {
		if strings.ToLower(strings.TrimFunc(w, notWordRune)) == first {
			at = i
			break
		}
	}
	start, end := 0, len(words)
	if len(words) > maxQuoteWords+2 {
		// The clause around the phrase.
		cs, ce := at, at+1
		for cs > 0 && !endsClause(words[cs-1]) {
			cs--
		}
		for ce < len(words) && !endsClause(words[ce-1]) {
			ce++
		}
		n := ce - cs
		if n < 5 || n > maxQuoteWords+2 {
			return ""
		}
		start, end = cs, ce
	}
	for end-start > 5 && leadingConjunction(words[start]) {
		start++
	}
	q := strings.Join(words[start:end], " ")
	q = strings.NewReplacer(`"`, "'", "“", "'", "”", "'").Replace(q)
	q = strings.TrimFunc(q, func(r rune) bool { return notWordRune(r) && r != '%' && r != ')' })
	if len(postag.Broken(`"`+q+`"`)) > 0 || endsOnFigure(q) {
		return ""
	}
	return q
}

// endsOnFigure reports a quote that ends on a number or a lone letter, as
// a clause cut inside a figure or coordinate ("at 51.4778 N") does.
func endsOnFigure(q string) bool {
	f := strings.Fields(q)
	if len(f) == 0 {
		return true
	}
	last := strings.TrimFunc(f[len(f)-1], notWordRune)
	if utf8.RuneCountInString(last) <= 1 {
		return true
	}
	for _, r := range last {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func leadingConjunction(w string) bool {
	switch strings.ToLower(strings.TrimFunc(w, notWordRune)) {
	case "and", "but", "or", "so", "yet":
		return true
	}
	return false
}

func endsClause(w string) bool {
	return strings.HasSuffix(w, ",") || strings.HasSuffix(w, ";") || strings.HasSuffix(w, ":") ||
		w == "—" || w == "–" || w == "-"
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// withoutPraise drops openers that lean on praise words.
func withoutPraise(ops []string) []string {
	var out []string
	for _, o := range ops {
		l := strings.ToLower(o)
		if !strings.Contains(l, "pleasure") && !strings.Contains(l, "nailed") && !strings.Contains(l, "practical") {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return ops
	}
	return out
}

// fallback writes about the title when the post offers no usable phrase.
func fallback(p *agents.PostContext, d draft) string {
	title := strings.TrimSpace(p.Title)
	if title == "" {
		title = strings.Join(strings.Fields(p.Text), " ")
		title = cut(title, 60)
	}
	d.a = `"` + strings.TrimRight(title, ".") + `"`
	d.opener = "I read {A} with interest."
	d.body = "Which part of it surprised you most while you were working it out?"
	d.withCloser = false
	return d.render()
}
