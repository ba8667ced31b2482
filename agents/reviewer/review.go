package reviewer

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kpbot/kpbot/agents/postag"
)

// Flags Review raises. Reasons start with the same code, then a colon.
const (
	FlagTooShort        = "too_short"
	FlagTooLong         = "too_long"
	FlagNoPostReference = "no_post_reference"
	FlagContainsLink    = "contains_link"
	FlagGenericPraise   = "generic_praise"
	FlagNearDuplicate   = "near_duplicate"
	FlagKeywordStuffing = "keyword_stuffing"
	FlagAllCaps         = "all_caps"
	FlagBrokenPhrase    = "broken_phrase"
	FlagContainsEmail   = "contains_email"
	FlagInstructions    = "contains_instructions"
	FlagCopiedFromPost  = "copied_from_post"
)

// Config tunes Review. Zero fields take the documented defaults.
type Config struct {
	MinChars   int  // shortest acceptable draft, in characters; default 80
	MaxChars   int  // longest acceptable draft, in characters; default 700
	AllowLinks bool // whether URLs, domains and markdown links are allowed
	// MaxSimilarity is the highest Jaccard similarity of word 3-shingles
	// (see Similarity) a draft may have with another draft; default 0.6.
	MaxSimilarity float64
	// MaxKeywordDensity is the highest share of a draft's words that may be
	// campaign keyword terms (once there are at least 3 of them); default 0.15.
	MaxKeywordDensity float64
	PassScore         int // lowest passing score, 0..100; default 60
}

func (c Config) withDefaults() Config {
	if c.MinChars == 0 {
		c.MinChars = 80
	}
	if c.MaxChars == 0 {
		c.MaxChars = 700
	}
	if c.MaxSimilarity == 0 {
		c.MaxSimilarity = 0.6
	}
	if c.MaxKeywordDensity == 0 {
		c.MaxKeywordDensity = 0.15
	}
	if c.PassScore == 0 {
		c.PassScore = 60
	}
	return c
}

// Validate reports a configuration Review cannot honour.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.MinChars < 0 || c.MaxChars < 0:
		return fmt.Errorf("reviewer config: MinChars and MaxChars must not be negative")
	case c.MinChars > c.MaxChars:
		return fmt.Errorf("reviewer config: MinChars %d exceeds MaxChars %d", c.MinChars, c.MaxChars)
	case c.MaxSimilarity < 0 || c.MaxSimilarity > 1:
		return fmt.Errorf("reviewer config: MaxSimilarity must be within 0..1")
	case c.MaxKeywordDensity < 0 || c.MaxKeywordDensity > 1:
		return fmt.Errorf("reviewer config: MaxKeywordDensity must be within 0..1")
	case c.PassScore < 0 || c.PassScore > 100:
		return fmt.Errorf("reviewer config: PassScore must be within 0..100")
	}
	return nil
}

// PostInput is what Review needs to know about the post and campaign.
type PostInput struct {
	Title    string   // the post's title
	Text     string   // the post's main text
	Keywords []string // the campaign's keywords
	// Language is the draft's language tag; the grammar check
	// (FlagBrokenPhrase) runs on English and unknown ("") only.
	Language string
}

// Result is Review's verdict on one draft.
type Result struct {
	Score   int      // 0..100, higher is better
	Flags   []string // the Flag* codes raised, in a fixed order
	Passed  bool     // no flag and Score >= Config.PassScore
	Reasons []string // one sentence per flag, "code: what is wrong and what to do"
	Terms   []string // the post's distinctive terms the draft names, as the draft writes them
}

// Penalties per flag, out of 100.
var penalties = map[string]int{
	FlagTooShort:        30,
	FlagTooLong:         25,
	FlagNoPostReference: 45,
	FlagContainsLink:    35,
	FlagGenericPraise:   40,
	FlagNearDuplicate:   40,
	FlagKeywordStuffing: 30,
	FlagAllCaps:         25,
	FlagBrokenPhrase:    45,
	FlagContainsEmail:   45,
	FlagInstructions:    60,
	FlagCopiedFromPost:  45,
}

// Review checks draft against the post and the campaign's other drafts
// (others must not include draft itself). It never fails: an invalid
// Config is replaced by its defaults field by field where they are zero,
// and out-of-range values are used as given.
func Review(cfg Config, draft string, post PostInput, others []string) Result {
	cfg = cfg.withDefaults()
	draft = strings.TrimSpace(draft)
	var res Result
	flag := func(code, reason string, args ...any) {
		res.Flags = append(res.Flags, code)
		res.Reasons = append(res.Reasons, code+": "+fmt.Sprintf(reason, args...))
	}

	chars := utf8.RuneCountInString(draft)
	switch {
	case chars == 0:
		flag(FlagTooShort, "the draft is empty; write %d to %d characters about one point of the post", cfg.MinChars, cfg.MaxChars)
	case chars < cfg.MinChars:
		flag(FlagTooShort, "the draft has %d characters, at least %d are needed; add a sentence that develops your point", chars, cfg.MinChars)
	case chars > cfg.MaxChars:
		flag(FlagTooLong, "the draft has %d characters, at most %d are allowed; keep one point and cut the rest", chars, cfg.MaxChars)
	}

	pt := postTerms(post.Title, post.Text)
	named := pt.namedIn(draft)
	res.Terms = named
	if len(named) == 0 {
		hint := ""
		if top := pt.top(3); len(top) > 0 {
			hint = fmt.Sprintf(`, e.g. "%s"`, strings.Join(top, `", "`))
		}
		flag(FlagNoPostReference, "the draft does not mention anything specific from the post; name a concrete term or idea from it%s", hint)
	}

	if !cfg.AllowLinks {
		if link := findLink(draft); link != "" {
			flag(FlagContainsLink, "the draft contains a link (%q); links are not allowed in this campaign, remove it", link)
		}
	}

	if email := findEmail(draft); email != "" {
		flag(FlagContainsEmail, "the draft contains an e-mail address (%q); remove it", email)
	}
	if ins := findInstruction(draft); ins != "" {
		flag(FlagInstructions, "the draft carries an instruction or a call to action (%q), which a reader's comment never does; write only your reaction to the post", ins)
	}
	if n, run := longestCopied(draft, post.Title+"\n"+post.Text); n > MaxCopiedWords {
		flag(FlagCopiedFromPost, "the draft copies %d words of the post in a row (%q); quote a few words at most and say the rest in your own words", n, truncateWords(run, 8))
	}

	if generic, phrase := genericPraise(draft, len(named)); generic {
		flag(FlagGenericPraise, "the draft is mostly generic praise (%q); replace it with a specific reaction to something the post says", phrase)
	}

	if sim, i := maxSimilarity(draft, others); sim > cfg.MaxSimilarity {
		flag(FlagNearDuplicate, "the draft is %.0f%% similar to another draft of the campaign (#%d); write it differently, about another point", sim*100, i+1)
	}

	if stuffed, kw, density := keywordStuffing(draft, post.Keywords, cfg.MaxKeywordDensity); stuffed {
		flag(FlagKeywordStuffing, "campaign keywords make up %.0f%% of the words (%q most often); use them at most once or twice", density*100, kw)
	}

	if shouting(draft) {
		flag(FlagAllCaps, "the draft is written mostly in capital letters; use normal sentence case")
	}

	if english(post.Language) {
		if broken := postag.Broken(draft); len(broken) > 0 {
			flag(FlagBrokenPhrase, "the draft does not read as written by a person (%s); name things with whole noun phrases and quote whole clauses", broken[0])
		}
	}

	score := 100
	for _, f := range res.Flags {
		score -= penalties[f]
	}
	switch len(named) {
	case 1:
		score -= 10
	case 2:
		score -= 5
	}
	if chars == 0 {
		score = 0
	}
	res.Score = max(0, min(100, score))
	res.Passed = len(res.Flags) == 0 && res.Score >= cfg.PassScore
	return res
}

// english reports whether a language tag is English or unknown.
func english(tag string) bool {
	tag = strings.ToLower(strings.TrimSpace(tag))
	return tag == "" || tag == "en" || strings.HasPrefix(tag, "en-") || strings.HasPrefix(tag, "en_")
}

// shouting reports a draft whose letters are mostly capitals.
func shouting(draft string) bool {
	var letters, upper int
	for _, r := range draft {
		if unicode.IsLetter(r) {
			letters++
			if unicode.IsUpper(r) {
				upper++
			}
		}
	}
	return letters >= 20 && float64(upper) > 0.6*float64(letters)
}

// truncateWords keeps the first n words of s, marking the cut.
func truncateWords(s string, n int) string {
	f := strings.Fields(s)
	if len(f) <= n {
		return s
	}
	return strings.Join(f[:n], " ") + " …"
}
