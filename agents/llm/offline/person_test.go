package offline

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/reviewer"
)

// hazardPosts are written to trip a writer that names fragments: names
// followed by verbs, clauses that run across prepositions, numbers and
// coordinates, long sentences with no short clause to quote.
var hazardPosts = []testPost{
	{URL: "https://h.example/said", Title: "What the on-call review taught us",
		Text: "Once Priya said the rollback was safe, the whole team relaxed. Maria Keller said nothing for an hour. " +
			"The incident started when Tomasz merged the schema change on a Friday afternoon without a second reviewer. " +
			"Priya said came up three times in the notes, which is how we learned that transcripts need editing before anyone reads them. " +
			"Our runbook now asks for a named owner before every schema migration, and the owner stays on call for two hours."},
	{URL: "https://h.example/onto", Title: "Moving batch workloads onto spot instances",
		Text: "Since we moved our nightly batch workloads onto spot instances the bill dropped by about forty percent, but the interruptions can tip the balance the other way when a job runs for more than three hours without a checkpoint. " +
			"We now write a checkpoint every ten minutes to object storage. " +
			"The scheduler retries an interrupted job on an on-demand node after the second interruption, which keeps the deadline predictable. " +
			"Spot capacity in our region is lowest on Monday mornings, when everyone else starts their reports."},
	{URL: "https://h.example/coords", Title: "Surveying the old quarry at 51.4778 N, 0.0015 W",
		Text: "We surveyed the quarry at 51.4778 N, 0.0015 W on 12 March 2024 with a borrowed total station. " +
			"The north face had moved 14 mm since the 2019 survey, which is within the tolerance but worth watching. " +
			"Groundwater levels in the monitoring wells rose by 0.8 m after the February storms. " +
			"The drainage channel along the east bench needs clearing before the autumn rains, or the lower bench will flood again."},
}

var quotedRe = regexp.MustCompile(`"([^"]+)"`)

// TestDraftsReadLikeAPerson: for every test post and the hazard posts,
// over several attempts, the draft has no broken phrase (the reviewer's
// part-of-speech check), every quote is a whole run of the post's words,
// and no named phrase is a number or a name with its verb.
func TestDraftsReadLikeAPerson(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	posts := append(loadPosts(t), hazardPosts...)
	for _, p := range posts {
		for attempt := range 4 {
			pc := p.context()
			pc.Attempt = attempt
			d := generate(t, g, pc).Content
			res := reviewer.Review(reviewer.Config{}, d, reviewer.PostInput{Title: p.Title, Text: p.Text, Keywords: p.Keywords}, nil)
			assert.NotContains(t, res.Flags, reviewer.FlagBrokenPhrase, "%s #%d: %s %v", p.URL, attempt, d, res.Reasons)
			for _, m := range quotedRe.FindAllStringSubmatch(d, -1) {
				q := m[1]
				assert.True(t, wholeWordsOf(p.Title+"\n"+p.Text, q), "%s #%d quotes %q, not a whole run of the post's words", p.URL, attempt, q)
			}
			for _, bad := range []string{"said came", "onto can", "workloads onto", "51.4778", "0.0015", "14 mm", "2019 survey"} {
				assert.NotContains(t, d, bad, "%s #%d: %s", p.URL, attempt, d)
			}
		}
	}
}

// wholeWordsOf reports whether q appears in text starting and ending at
// word boundaries (quotes may turn double quotation marks into single).
func wholeWordsOf(text, q string) bool {
	text = strings.NewReplacer(`"`, "'", "“", "'", "”", "'").Replace(strings.ToLower(strings.Join(strings.Fields(text), " ")))
	q = strings.ToLower(q) // a quote opening a sentence is capitalised
	for i := 0; ; {
		j := strings.Index(text[i:], q)
		if j < 0 {
			return false
		}
		at := i + j
		end := at + len(q)
		before := at == 0 || !isWordByte(text[at-1])
		after := end == len(text) || !isWordByte(text[end])
		if before && after {
			return true
		}
		i = at + 1
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// TestEveryDraftNamesItsOwnPost: each draft names a term that its own
// post uses and no other test post does, and the same post gives the
// same draft every time.
func TestEveryDraftNamesItsOwnPost(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	posts := loadPosts(t)
	for i, p := range posts {
		d := generate(t, g, p.context()).Content
		require.Equal(t, d, generate(t, g, p.context()).Content, "deterministic")
		res := reviewer.Review(reviewer.Config{}, d, reviewer.PostInput{Title: p.Title, Text: p.Text, Keywords: p.Keywords}, nil)
		own := false
		for _, term := range res.Terms {
			elsewhere := false
			for j, o := range posts {
				if j != i && strings.Contains(strings.ToLower(o.Title+" "+o.Text), strings.ToLower(term)) {
					elsewhere = true
					break
				}
			}
			own = own || !elsewhere
		}
		assert.True(t, own, "%s: %q names only %v, which other posts say too", p.URL, d, res.Terms)
	}
}

// TestCutNeverLeavesAQuoteOpen: shortening a draft drops a quotation it
// would cut, from its opening mark, and ends on a whole word.
func TestCutNeverLeavesAQuoteOpen(t *testing.T) {
	t.Parallel()
	s := `Your point about build caches stuck with me, especially the line "the slowest shard now finishes within ninety seconds of the fastest".`
	for n := 20; n < len(s); n++ {
		got := cut(s, n)
		assert.LessOrEqual(t, len([]rune(got)), n, "cut to %d", n)
		assert.Equal(t, 0, strings.Count(got, `"`)%2, "cut to %d leaves a quote open: %s", n, got)
		trimmed := strings.TrimSuffix(got, ".")
		assert.True(t, strings.HasPrefix(s, trimmed), "cut to %d ends mid-word: %s", n, got)
		if i := len(trimmed); i < len(s) {
			assert.False(t, isWordByte(s[i]) && isWordByte(s[i-1]), "cut to %d ends mid-word: %s", n, got)
		}
	}
	assert.Equal(t, s, cut(s, len(s)))
}
