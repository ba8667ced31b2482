package offline

import (
	"strings"

	"github.com/kpbot/kpbot/agents/relevance"
)

// The writer has no part-of-speech tagger; these lists keep verbs,
// numerals and vague modifiers out of the phrases it names, so that
// "{A}" in a template reads as a thing ("scale factor"), not a fragment
// ("week keep", "services requested").

// verbStems are the stems of common English verbs (any inflection).
var verbStems = stemSet(`be become have do say get make go know take see come think look want give find tell
	ask seem feel felt try leave call keep kept let begin began help talk turn start show hear play run ran move
	live believe hold held bring brought happen write wrote provide sit stand stood lose lost pay paid meet met
	include continue set learn change lead led understand watch follow stop create speak read allow add spend
	spent grow grew open walk win won offer remember love consider appear buy bought wait serve die send sent
	expect build built stay fall fell cut reach kill remain suggest raise pass sell require report decide pull
	eat ate eats become matter request measure answer seem blend smell taste stall drop hit put catch caught
	fix need made took went came got gave found told thought knew chose drove sat fail fails failed work
	block scan enqueue keep stays grows approach approaches rebuild refresh spread land wreck quit soak turn
	kill stick stuck shrink shrank handle manage reach caught freed free sound sounds takes makes gets goes
	comes looks wants gives finds tells asks tries leaves calls lets begins helps talks turns starts shows
	hears plays runs moves lives believes holds brings happens writes provides sits stands loses pays meets
	includes continues sets learns changes leads understands watches follows stops creates speaks reads allows
	adds spends grows opens walks wins offers remembers loves considers appears buys waits serves dies sends
	expects builds falls cuts reaches remains suggests raises passes sells requires reports decides pulls
	tends tend means mean keeps feels seems stays blends smells tastes answers requests measures happened
	worn wear wears dries pushes push pushing adding moving chase chases ask asked drink drank
	rewrote rewrite treat treats`)

// vague words name no specific thing: numerals, quantities, order words
// and broad modifiers. A phrase may not start or end with one.
var vague = stemSet(`one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
	sixty seventy eighty ninety hundred thousand million billion twice half dozen several various certain next
	last second third whole entire total main real actual big huge small tiny little long short high low higher
	lower early late own same other another every each most least less many much few quick slow fast slightly
	new old good bad simple easy hard common usual whatever nothing everything anything something someone
	everyone week weeks month months year years day days hour hours minute minutes time times morning evening
	night today tomorrow yesterday beyond alive instead ever never always almost nearly percent per cent
	boring interesting surprising amazing happy sure able ready worth clear`)

func stemSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[relevance.Stem(w)] = true
		m[w] = true
	}
	return m
}

// phraseOK reports whether a run of content tokens reads as a noun phrase
// a comment can name.
func phraseOK(run []token) bool {
	n := len(run)
	for i, tk := range run {
		w := tk.lower
		if verbStems[tk.stem] || verbStems[w] {
			return false
		}
		if strings.HasSuffix(w, "ly") && len(w) > 4 {
			return false // adverbs
		}
		if (i == 0 || i == n-1) && (vague[tk.stem] || vague[w]) {
			return false
		}
		isIng := strings.HasSuffix(w, "ing") && len(w) > 5
		isEd := strings.HasSuffix(w, "ed") && len(w) > 4
		switch {
		case n == 1 && isEd:
			return false // "measured"
		case n > 1 && i == 0 && isIng:
			return false // "pushing hydration": a verb and its object
		case n > 1 && i == n-1 && isEd:
			return false // "services requested"
		}
	}
	return true
}
