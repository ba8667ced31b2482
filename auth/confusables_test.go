package auth

import (
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
)

// TestConfusablesTable: every entry can occur in a key (it is its own
// case-folded, NFKC form, and not ASCII unless it is one of TR39's ASCII
// prototypes), and maps to lower-case Latin letters or digits the table
// leaves alone, so a skeleton of a skeleton is itself.
func TestConfusablesTable(t *testing.T) {
	t.Parallel()
	asciiSources := map[rune]bool{'0': true, '1': true, '|': true, 'm': true}
	for r, proto := range confusables {
		if r < unicode.MaxASCII {
			assert.Truef(t, asciiSources[r], "%q: ASCII sources are TR39's own prototypes only", r)
		} else {
			folded, ok := foldStable(string(r))
			assert.Truef(t, ok && folded == string(r), "%U %c is not its own folded form (%q): it never occurs in a key", r, r, folded)
		}
		assert.NotEmptyf(t, proto, "%U", r)
		for _, p := range proto {
			assert.Truef(t, 'a' <= p && p <= 'z' || '0' <= p && p <= '9', "%U maps to %q: not a Latin letter or digit", r, proto)
			_, mapped := confusables[p]
			assert.Falsef(t, mapped, "%U maps to %q, which the table maps on: one pass would not settle", r, proto)
		}
	}
}

func TestSkeleton(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"paypal":   "paypal",
		"раураl":   "paypal", // Cyrillic р а у а, Latin l
		"сосо":     "coco",
		"ραρα":     "papa",
		"ıvan":     "ivan",
		"paypa1":   "paypal",
		"b00m":     "boorn", // TR39 maps m to rn
		"rnodern":  "rnodern",
		"ёж":       skeleton("ëж"), // ё decomposes to е + diaeresis, е is e
		"ᎪᏟ":       "ac",
		"unmapped": "unrnapped",
	}
	for in, want := range cases {
		got := skeleton(in)
		assert.Equalf(t, want, got, "skeleton(%q)", in)
		assert.Equalf(t, got, skeleton(got), "skeleton(%q) is stable", in)
	}
}

func TestMixedScripts(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"paypal":          false,
		"pаypal":          true, // Cyrillic а
		"сосо":            false,
		"ραρα":            false,
		"ivan.иванов":     true,
		"tanakaたなか田中カタカナ": false, // Latin, Hiragana, Han, Katakana
		"kim김철수":          false, // Latin and Hangul (with Han allowed)
		"한국たなか":           true,  // Hangul with Hiragana
		"user123-_.":      false, // digits and symbols are Common
		"αβγ中文":           true,
	} {
		assert.Equalf(t, want, mixedScripts(s), "mixedScripts(%q)", s)
	}
}
