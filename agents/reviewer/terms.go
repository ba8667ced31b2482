package reviewer

import (
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/kpbot/kpbot/agents/relevance"
)

// A post's distinctive terms: single content words of at least four
// letters that are not commentary vocabulary ("post", "great", "thanks"),
// and pairs of adjacent content words in one clause ("connection pool",
// "Go modules") of which at least one is not commentary vocabulary. Keys
// are stems, so "indexes" in the draft names "index" in the post.
type termSet struct {
	single map[string]*termInfo
	pair   map[string]*termInfo
}

type termInfo struct {
	surface string // the first spelling met
	weight  int    // occurrences, title ones counted three times
}

// unit is one content word of a clause: its stem, spelling, and whether
// it can stand alone as a distinctive term.
type unit struct {
	stem, surface string
	distinct      bool
	generic       bool
}

// eachClause calls fn with the content words of every clause of text; a
// stopword or punctuation ends a run of adjacent words (marked by a nil
// entry).
func eachClause(text string, fn func(units []*unit)) {
	clauses := strings.FieldsFunc(text, func(r rune) bool {
		return strings.ContainsRune(",;:!?()[]{}\"“”\n\t|/", r) || r == '—' || r == '–'
	})
	for _, cl := range clauses {
		// Sentence dots: cut at ". " but keep "node.js".
		for _, part := range strings.Split(cl, ". ") {
			var units []*unit
			relevance.EachRawWord(part, func(raw string) {
				raw = strings.ReplaceAll(raw, "’", "'")
				w := strings.ToLower(raw)
				if relevance.IsStopword(w) {
					units = append(units, nil)
					return
				}
				if i := strings.IndexByte(raw, '\''); i >= 0 {
					raw = raw[:i]
				}
				raw = strings.Trim(raw, ".-")
				w = strings.ToLower(raw)
				if w == "" || relevance.IsStopword(w) {
					units = append(units, nil)
					return
				}
				stem := relevance.Stem(w)
				g := isGeneric(stem)
				units = append(units, &unit{
					stem: stem, surface: raw, generic: g,
					distinct: !g && utf8.RuneCountInString(w) >= 4 && !numeric(w),
				})
			})
			fn(units)
		}
	}
}

func numeric(w string) bool {
	return strings.Trim(w, "0123456789.,-") == ""
}

func postTerms(title, text string) termSet {
	ts := termSet{single: map[string]*termInfo{}, pair: map[string]*termInfo{}}
	add := func(weight int) func([]*unit) {
		return func(units []*unit) {
			for i, u := range units {
				if u == nil {
					continue
				}
				if u.distinct {
					bump(ts.single, u.stem, u.surface, weight)
				}
				if i > 0 && units[i-1] != nil && !(u.generic && units[i-1].generic) {
					p := units[i-1]
					bump(ts.pair, p.stem+" "+u.stem, p.surface+" "+u.surface, weight)
				}
			}
		}
	}
	eachClause(title, add(3))
	eachClause(text, add(1))
	return ts
}

func bump(m map[string]*termInfo, key, surface string, weight int) {
	if ti, ok := m[key]; ok {
		ti.weight += weight
		return
	}
	m[key] = &termInfo{surface: surface, weight: weight}
}

// namedIn returns the post terms draft names, as the draft spells them,
// in order of first appearance.
func (ts termSet) namedIn(draft string) []string {
	var out []string
	seen := map[string]bool{}
	eachClause(draft, func(units []*unit) {
		for i, u := range units {
			if u == nil {
				continue
			}
			if i > 0 && units[i-1] != nil {
				p := units[i-1]
				key := p.stem + " " + u.stem
				if _, ok := ts.pair[key]; ok && !seen[key] && !(p.generic && u.generic) {
					seen[key] = true
					out = append(out, p.surface+" "+u.surface)
				}
			}
			if _, ok := ts.single[u.stem]; ok && u.distinct && !seen[u.stem] {
				seen[u.stem] = true
				out = append(out, u.surface)
			}
		}
	})
	return out
}

// top returns the n heaviest single terms of the post.
func (ts termSet) top(n int) []string {
	keys := make([]string, 0, len(ts.single))
	for k := range ts.single {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := ts.single[keys[i]], ts.single[keys[j]]
		if a.weight != b.weight {
			return a.weight > b.weight
		}
		return keys[i] < keys[j]
	})
	out := make([]string, 0, n)
	for _, k := range keys[:min(n, len(keys))] {
		out = append(out, ts.single[k].surface)
	}
	return out
}

// isGeneric reports whether stem is commentary vocabulary that any comment
// on any post could contain, so naming it proves nothing.
func isGeneric(stem string) bool { return genericStems[stem] }

var genericStems = func() map[string]bool {
	words := strings.Fields(`post posts article articles blog blogs read reading reader readers write writes
		writing written writer author thank thanks share sharing shared great good nice awesome amazing
		excellent helpful useful informative interesting insightful inspiring love loved lovely enjoy enjoyed
		content topic topics point points idea ideas think thinking thought thoughts agree agreed learn
		learned learning lot lots keep work working worked job today time times people person thing things
		way ways definitely part parts piece pieces know knowing want wanted need needed look looking find
		finding found see seeing seen said says say wonderful fantastic brilliant perfect valuable detailed
		clear site website page pages question questions comment comments experience new first year years
		day days stuff info information tip tips advice cool superb best better worth bookmark bookmarked
		subscribe subscribed glad happy appreciate appreciated explain explained explanation write-up
		writeup guide guides approach case cases example examples fact facts help helps helped issue issues
		kind sort right wrong true bit little big small long short whole same different great-post
		sure maybe probably actually simply quite absolutely totally completely mention mentioned mentions
		discuss discussed discussion read-through must hope hoping wish problem problems solution
		solutions team teams area areas honest honestly`)
	m := make(map[string]bool, len(words))
	for _, w := range words {
		m[relevance.Stem(w)] = true
	}
	return m
}()

// IsCommentaryWord reports whether word is commentary vocabulary ("post",
// "great", "thanks", "problem", ...) that any comment on any post could
// contain: naming it does not count as referring to the post.
func IsCommentaryWord(word string) bool {
	return isGeneric(relevance.Stem(strings.ToLower(word)))
}
