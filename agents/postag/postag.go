// Package postag is a small rule-based part-of-speech tagger for English:
// a lexicon of closed-class words (determiners, pronouns, prepositions,
// conjunctions, auxiliaries), irregular verb forms and common verbs and
// adjectives, word-shape and suffix rules, and a few contextual rules
// ("the run" is a noun, "to run" a verb). It is meant for choosing noun
// phrases and spotting broken ones in short texts, not for parsing: it
// needs no model, allocates one slice per call and is deterministic.
package postag

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Tag is a coarse part of speech, after the Universal Dependencies set.
type Tag uint8

// Tags.
const (
	X     Tag = iota // unknown or other
	Noun             // common noun
	Propn            // proper noun (a capitalised word mid-sentence, an acronym)
	Verb             // a verb that is not an auxiliary
	Aux              // be, have, do and the modals
	Adj              // adjective
	Adv              // adverb
	Adp              // preposition
	Det              // determiner or possessive
	Pron             // pronoun
	Conj             // conjunction, coordinating or subordinating
	Num              // number
	Part             // "to" before a verb, "not"
)

var tagNames = [...]string{"X", "NOUN", "PROPN", "VERB", "AUX", "ADJ", "ADV", "ADP", "DET", "PRON", "CONJ", "NUM", "PART"}

// String is the tag's Universal Dependencies name.
func (t Tag) String() string {
	if int(t) < len(tagNames) {
		return tagNames[t]
	}
	return "X"
}

// Nominal reports nouns and proper nouns.
func (t Tag) Nominal() bool { return t == Noun || t == Propn }

// Function reports closed-class words that cannot end a phrase or a
// quote: prepositions, determiners, conjunctions, auxiliaries, particles.
func (t Tag) Function() bool {
	return t == Adp || t == Det || t == Conj || t == Aux || t == Part
}

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

var (
	determiners = set(`a an the this that these those my your his her its our their some any no every each
		either neither another such what which whose all both half several many much few`)
	pronouns = set(`i you he she it we they me him us them myself yourself himself herself itself ourselves
		themselves mine yours hers ours theirs someone somebody something anyone anybody anything everyone
		everybody everything nobody nothing who whom one`)
	prepositions = set(`of in on at by for with about against between into through during before after above
		below to from up down over under again further across along amid among around behind beside besides
		beyond despite except inside like near off onto out outside past per since than toward towards upon via
		within without throughout underneath unlike versus vs`)
	conjunctions = set(`and or but nor so yet because although though while whereas if unless until whether
		once when whenever where wherever as that than`)
	auxiliaries = set(`be am is are was were been being have has had having do does did done can could may might
		must shall should will would ought isn't aren't wasn't weren't hasn't haven't hadn't doesn't don't
		didn't can't couldn't won't wouldn't shouldn't mustn't i'm you're we're they're it's that's there's
		i've you've we've they've i'd you'd we'd they'd i'll you'll we'll they'll`)
	adverbs = set(`very also just still even only really quite rather too so then now here there often always
		never sometimes usually already soon again almost perhaps maybe however therefore instead else ever
		yet seldom rarely twice once anyway indeed thus hence meanwhile together away back forward ahead
		abroad later earlier well not n't`)
	numbers = set(`zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen
		fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety
		hundred thousand million billion dozen first second third fourth fifth tenth hundredth`)
	// pastOnly are simple past forms that are never past participles.
	pastOnly = set(`was were did came went ran began saw took gave wrote ate drove knew grew spoke chose rose fell
		flew drew threw wore broke froze stole swam sang rang drank shook forgot got became`)
	// irregular verb forms other than the base.
	irregular = set(`said made took came went got gave found told thought knew saw felt left kept held brought
		began begun stood lost paid met led understood spoke spoken read grew grown won sent built fell
		fallen became become ran run sat set put cut hit let shut quit spent lent bent meant heard wore worn
		broke broken chose chosen drove driven ate eaten flew flown forgot forgotten gone given taken written
		known seen thrown drew drawn rose risen sold caught taught bought fought sought dealt slept swept
		wept woke woken struck stuck hung shone shot spun split spread sank sunk swam swum tore torn
		shook shaken froze frozen stole stolen hid hidden rode ridden rang rung sang sung drank drunk
		did done was were been had has does goes made rewrote rebuilt overtook`)
	// verbs are common verb bases; their -s, -ed and -ing forms follow.
	verbs = set(`say make take come go get give find tell think know see feel leave keep hold bring begin stand
		lose pay meet lead understand speak read grow win send build fall become run sit set put cut let
		shut spend lend mean hear wear break choose drive eat fly forget throw draw rise sell catch teach buy
		fight seek deal sleep sweep wake strike stick hang shoot spin split spread sink swim tear shake
		freeze steal hide ride ring sing drink want look use work call try ask need seem help talk turn start
		show play move live believe happen write provide include continue learn change watch follow stop
		create allow add open walk offer remember love consider appear wait serve die expect stay reach kill
		remain suggest raise pass require report decide pull explain hope develop carry drop agree receive
		fix enjoy apply argue avoid compare cover describe destroy discuss enter explain fail finish handle
		improve increase join manage mention miss notice prefer prepare prevent produce protect prove
		reduce refuse remove repeat replace reply return save share solve suppose tend treat vote worry
		migrate deploy ship rewrite refactor cache split measure test debug install configure upgrade
		downgrade compile parse cover plant water harvest bake knead season cook boil taste smell sound
		seem push rebuild refresh scale store wrap pick rely mark count guess cost`)
	adjectives = set(`good new first last long great little own other old right big high different small large
		next early young important few public bad same able free sure clear full special easy hard strong
		whole real best better true low recent late simple certain possible major local current common
		short single huge tiny slow fast quick cheap expensive useful useless obvious difficult careful
		safe dangerous happy sad wrong true false dry wet hot cold warm cool heavy light dark bright quiet
		loud deep shallow wide narrow thick thin rich poor fresh raw clean dirty empty busy lazy modern
		ancient main actual various specific general basic similar final whole entire total open closed
		available likely unlikely extra key typical rare regular proper plain flat steady stable solid
		crisp smooth rough soft sharp remote efficient sufficient consistent dependent independent significant
		relevant elegant constant redundant abundant urgent frequent apparent evident transparent permanent
		silent excellent important different recent present absent brilliant distant ancient vibrant
		decent fragile hostile mobile agile native private manual visual annual automatic technical
		internal external global physical digital critical practical central natural normal legal`)
)

// nounSuffixes, adjSuffixes mark open-class words by their ending.
var (
	nounSuffixes = []string{"tion", "sion", "ment", "ness", "ity", "ance", "ence", "ism", "ship", "hood", "age", "ure", "dom", "ogy", "ist", "ery", "ics"}
	adjSuffixes  = []string{"ous", "ful", "ive", "able", "ible", "less", "ish", "ical", "ary", "ic"}
)

// TagWords tags words, a sentence (or a run of one) as written: case matters,
// punctuation attached to a word is ignored.
func TagWords(words []string) []Tag {
	tags := make([]Tag, len(words))
	lower := make([]string, len(words))
	for i, w := range words {
		lower[i] = normalise(w)
		tags[i] = lexical(w, lower[i], i == 0)
	}
	for i := range tags {
		tags[i] = contextual(tags, lower, words, i)
	}
	return tags
}

func normalise(w string) string {
	w = strings.ToLower(strings.ReplaceAll(w, "’", "'"))
	return strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' })
}

// lexical is a word's most likely tag out of context.
func lexical(raw, w string, first bool) Tag {
	core := strings.TrimFunc(raw, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	switch {
	case w == "":
		return X
	case hasDigit(w):
		return Num
	case w == "to" || w == "not":
		return Part
	case auxiliaries[w]:
		return Aux
	case determiners[w]:
		return Det
	case pronouns[w] && w != "one" && w != "that":
		return Pron
	case prepositions[w]:
		return Adp
	case conjunctions[w]:
		return Conj
	case numbers[w]:
		return Num
	case adverbs[w]:
		return Adv
	}
	r, _ := utf8.DecodeRuneInString(core)
	if unicode.IsUpper(r) && (!first || isAcronym(core)) || hasInnerUpper(core) {
		return Propn
	}
	if comparative(w) {
		return Adj
	}
	if w == "sooner" || w == "soonest" || w == "oftener" {
		return Adv
	}
	switch {
	case irregular[w] || pastOnly[w]:
		return Verb
	case adjectives[w]:
		return Adj
	case verbs[w]:
		return Verb
	case strings.HasSuffix(w, "ly") && len(w) > 4 && !strings.HasSuffix(w, "ply") && w != "family" && w != "early" && w != "daily" && w != "weekly" && w != "monthly" && w != "friendly" && w != "likely":
		return Adv
	case w == "early" || w == "daily" || w == "weekly" || w == "monthly" || w == "friendly" || w == "likely":
		return Adj
	case strings.HasSuffix(w, "ing") && len(w) > 5:
		return Verb // corrected in context: "the caching" is a noun
	case strings.HasSuffix(w, "ed") && len(w) > 4:
		return Verb
	case isInflectedVerb(w):
		return Verb // corrected in context: "the builds" is a noun
	}
	for _, s := range nounSuffixes {
		if strings.HasSuffix(w, s) && len(w) > len(s)+2 {
			return Noun
		}
	}
	for _, s := range adjSuffixes {
		if strings.HasSuffix(w, s) && len(w) > len(s)+3 {
			return Adj
		}
	}
	if first && unicode.IsUpper(r) && !strings.HasSuffix(w, "s") {
		return Propn // a capitalised word no rule knows, opening a sentence: a name
	}
	return Noun
}

// comparative reports -er and -est forms of known adjectives ("faster",
// "bigger", "easiest").
func comparative(w string) bool {
	for _, suf := range []string{"er", "est"} {
		b, ok := strings.CutSuffix(w, suf)
		if !ok || len(b) < 2 {
			continue
		}
		if adjectives[b] || adjectives[b+"e"] || b[len(b)-1] == b[len(b)-2] && adjectives[b[:len(b)-1]] ||
			strings.HasSuffix(b, "i") && adjectives[b[:len(b)-1]+"y"] {
			return true
		}
	}
	return false
}

// isInflectedVerb reports -s forms of known verbs ("builds", "fixes").
func isInflectedVerb(w string) bool {
	switch {
	case strings.HasSuffix(w, "ies"):
		return verbs[w[:len(w)-3]+"y"]
	case strings.HasSuffix(w, "es") && verbs[w[:len(w)-2]]:
		return true
	case strings.HasSuffix(w, "s"):
		return verbs[w[:len(w)-1]]
	}
	return false
}

// verbBase reports -ing and -ed forms and bases of known verbs.
func knownVerbForm(w string) bool {
	if verbs[w] || irregular[w] || isInflectedVerb(w) {
		return true
	}
	for _, suf := range []string{"ing", "ed"} {
		if b, ok := strings.CutSuffix(w, suf); ok {
			if verbs[b] || verbs[b+"e"] || len(b) > 2 && b[len(b)-1] == b[len(b)-2] && verbs[b[:len(b)-1]] {
				return true
			}
		}
	}
	return false
}

// contextual revises tag i with its neighbours' tags.
func contextual(tags []Tag, lower, words []string, i int) Tag {
	t := tags[i]
	prev := X
	if i > 0 && !endsWithPunct(words[i-1]) {
		prev = tags[i-1]
	}
	next := X
	if i+1 < len(tags) && !endsWithPunct(words[i]) {
		next = tags[i+1]
	}
	w := lower[i]
	switch t {
	case Verb:
		ing := strings.HasSuffix(w, "ing")
		ed := strings.HasSuffix(w, "ed") || irregular[w]
		switch {
		case prev == Det || prev == Adj && !ing:
			// "the build", "a cached page", "the caching", "their runs"
			if ed && next.Nominal() || ing && next.Nominal() {
				return Adj
			}
			if !pastOnly[w] {
				return Noun
			}
		case prev == Adp && ing:
			return Noun // "about caching"
		case prev == Noun && verbs[w] && inNounPhrase(tags, i-1) && !strings.HasSuffix(lower[i-1], "s"):
			return Noun // "the remote cache"
		case prev == Part || prev == Aux || prev == Pron:
			return Verb
		case ed && next.Nominal() && (prev == X || prev == Adp || prev == Conj):
			return Adj // "with cached pages"
		case !ed && !ing && !knownVerbForm(w) && next.Nominal():
			return Noun
		}
	case Conj:
		if w == "that" && (next.Nominal() || next == Adj) && prev != Verb {
			return Det
		}
		if w == "once" && (prev == Verb || prev == X) && next != Pron && next != Det && !next.Nominal() {
			return Adv
		}
	case Noun:
		if prev == Part && (verbs[w] || knownVerbForm(w)) {
			return Verb // "to build"
		}
		if prev == Aux && i > 0 && Modal(words[i-1]) {
			return Verb // "can tip"
		}
		if prev == Adv && i > 1 && tags[i-2] == Pron {
			return Verb // "she quickly rewrote"
		}
		if prev == Pron && isInflectedVerbLike(w) {
			return Verb
		}
		if prev == Noun && !pluralLike(lower[i-1]) && pluralLike(w) &&
			(next == Det || next.Nominal() && i+1 < len(lower) && pluralLike(lower[i+1])) {
			// A singular noun, an -s form, then an object: "the planner
			// estimates rows", "the team ships the fix". Not "query plans
			// matter" (no object) nor "build times" (no object either).
			return Verb
		}
	}
	return t
}

// pluralLike reports a word that ends like a plural noun or a third-person
// verb ("rows", "estimates"), not like "class", "status" or "analysis".
func pluralLike(w string) bool {
	return len(w) > 3 && strings.HasSuffix(w, "s") &&
		!strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is")
}

func isInflectedVerbLike(w string) bool { return knownVerbForm(w) }

func endsWithPunct(w string) bool {
	r, _ := utf8.DecodeLastRuneInString(w)
	return strings.ContainsRune(",;:.!?)(—–\"“”", r)
}

func hasDigit(s string) bool {
	for _, r := range s {
		if unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func isAcronym(s string) bool {
	return utf8.RuneCountInString(s) >= 2 && strings.ToUpper(s) == s && strings.ToLower(s) != s
}

func hasInnerUpper(s string) bool {
	for i, r := range s {
		if i > 0 && unicode.IsUpper(r) {
			return true
		}
	}
	return false
}

// PastOnly reports simple past forms that are never participles ("came",
// "went", "was"), which cannot follow another verb.
func PastOnly(word string) bool { return pastOnly[normalise(word)] }

// Modal reports the modal auxiliaries.
func Modal(word string) bool {
	switch normalise(word) {
	case "can", "could", "may", "might", "must", "shall", "should", "will", "would":
		return true
	}
	return false
}

// inNounPhrase reports whether tag i ends a run of adjectives and nouns
// that a determiner or preposition opens.
func inNounPhrase(tags []Tag, i int) bool {
	for ; i >= 0; i-- {
		switch tags[i] {
		case Adj, Noun:
			continue
		case Det, Adp:
			return true
		}
		return false
	}
	return false
}
