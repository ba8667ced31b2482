package reviewer

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var dbPost = PostInput{
	Title: "Why our Postgres queue table fell over at midnight",
	Text: `Every night at midnight our batch jobs enqueue about two million rows into a
Postgres table that doubles as a job queue. For months it was fine. Then the
workers started timing out, autovacuum could not keep up with the dead tuples,
and the table bloated to forty gigabytes.

The fix had three parts. First, a partial index on the rows that are still
pending, so the workers' SELECT ... FOR UPDATE SKIP LOCKED query no longer
scanned finished jobs. Second, deleting finished rows in small batches instead
of one giant DELETE. Third, tuning autovacuum for that one table with a lower
scale factor.

Connection pooling with PgBouncer in transaction mode kept the number of
connections flat while we tested. Read the query plan before you buy a bigger
machine: most slow queue problems are index problems.`,
	Keywords: []string{"postgres", "database performance"},
}

const goodDraft = `The partial index on pending rows is such a neat fix, since SKIP LOCKED ` +
	`still has to walk past every finished job without it. Did you consider ` +
	`partitioning the queue table by day, so old jobs go away with a DROP instead of batched deletes?`

func TestReview(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("The autovacuum scale factor matters for a queue table like yours. ", 12)
	cases := []struct {
		name   string
		cfg    Config
		draft  string
		others []string
		flags  []string
		passed bool
	}{
		{name: "good", draft: goodDraft, passed: true},
		{name: "good mentioning a two-word term", draft: "Batch jobs at midnight are a classic trap for us too. " +
			"We moved ours to run every five minutes so the load is spread out; did you look at that option?", passed: true},
		{name: "empty", draft: "   ", flags: []string{FlagTooShort, FlagNoPostReference}},
		{name: "too short", draft: "Autovacuum tuning, yes.", flags: []string{FlagTooShort}},
		{name: "too long", draft: long, flags: []string{FlagTooLong}},
		{name: "no post reference", draft: "I have been thinking about this kind of problem for a while and I " +
			"agree with most of what you say here, it is a tricky area for many teams.", flags: []string{FlagNoPostReference}},
		{name: "generic praise only", draft: "Great post, thanks for sharing! Very informative and well written, " +
			"keep up the good work. I learned a lot from this article today.", flags: []string{FlagNoPostReference, FlagGenericPraise}},
		{name: "praise with a token term is still generic", draft: "Great post about Postgres, thanks for sharing! " +
			"Very informative and well written, keep up the good work!", flags: []string{FlagGenericPraise}},
		{name: "praise plus substance passes", draft: "Great post! We hit the same autovacuum wall with dead tuples, " +
			"and lowering the scale factor for the queue table alone fixed it without touching the rest.", passed: true},
		{name: "url", draft: goodDraft + " We wrote about it at https://example.com/queues.", flags: []string{FlagContainsLink}},
		{name: "www", draft: goodDraft + " See www.example.org for ours.", flags: []string{FlagContainsLink}},
		{name: "markdown link", draft: goodDraft + " [our notes](notes)", flags: []string{FlagContainsLink}},
		{name: "bare domain", draft: goodDraft + " More on pgqueue.dev/blog.", flags: []string{FlagContainsLink}},
		{name: "links allowed", cfg: Config{AllowLinks: true}, draft: goodDraft + " See https://example.com.", passed: true},
		{name: "tech names are not links", draft: "The partial index trick works in ASP.NET shops and node.js " +
			"workers alike; the queue table design is what matters, e.g. deleting rows in batches.", passed: true},
		{name: "near duplicate", draft: goodDraft, others: []string{"Other draft about PgBouncer.",
			strings.Replace(goodDraft, "neat", "clever", 1)}, flags: []string{FlagNearDuplicate}},
		{name: "different drafts are fine", draft: goodDraft, others: []string{"Batched deletes saved us too, " +
			"though we had to watch replication lag while they ran."}, passed: true},
		{name: "keyword stuffing", draft: "Postgres database performance is key: postgres performance, " +
			"database performance and postgres tuning for the queue table, postgres all the way.",
			flags: []string{FlagKeywordStuffing}},
		{name: "all caps", draft: strings.ToUpper(goodDraft), flags: []string{FlagAllCaps}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			res := Review(tc.cfg, tc.draft, dbPost, tc.others)
			assert.Equal(t, tc.passed, res.Passed, "flags %v reasons %v score %d", res.Flags, res.Reasons, res.Score)
			for _, f := range tc.flags {
				assert.Contains(t, res.Flags, f)
			}
			if tc.passed {
				assert.Empty(t, res.Flags, res.Reasons)
				assert.GreaterOrEqual(t, res.Score, 60)
				assert.NotEmpty(t, res.Terms)
			} else {
				assert.NotEmpty(t, res.Flags)
				assert.Less(t, res.Score, 100)
			}
			require.Len(t, res.Reasons, len(res.Flags))
			for i, f := range res.Flags {
				assert.True(t, strings.HasPrefix(res.Reasons[i], f+": "), res.Reasons[i])
			}
		})
	}
}

func TestReviewReasonsSuggestPostTerms(t *testing.T) {
	t.Parallel()
	res := Review(Config{}, "I have been thinking about this kind of problem for a long while now, honestly.", dbPost, nil)
	require.Contains(t, res.Flags, FlagNoPostReference)
	var reason string
	for _, r := range res.Reasons {
		if strings.HasPrefix(r, FlagNoPostReference) {
			reason = r
		}
	}
	assert.Contains(t, reason, `"queue"`, "the most frequent post term is suggested")
}

func TestReviewScoresSpecificityAndFlags(t *testing.T) {
	t.Parallel()
	one := Review(Config{}, "Autovacuum is the part that surprised me; I had always assumed the defaults would cope with any load.", dbPost, nil)
	many := Review(Config{}, goodDraft, dbPost, nil)
	assert.True(t, one.Passed, one.Reasons)
	assert.Greater(t, many.Score, one.Score, "naming more of the post scores higher")
	assert.Equal(t, []string{"Autovacuum"}, one.Terms)

	bad := Review(Config{}, "Great post, thanks for sharing! Visit www.spam.com", dbPost, nil)
	assert.Less(t, bad.Score, 30)
	assert.False(t, bad.Passed)
}

func TestReviewCountsCharactersNotBytes(t *testing.T) {
	t.Parallel()
	draft := "Die partielle Index-Lösung für die Queue-Tabelle überzeugt mich: Autovacuum allein hätte das nie geschafft."
	require.Less(t, utf8.RuneCountInString(draft), len(draft))
	res := Review(Config{MinChars: utf8.RuneCountInString(draft)}, draft, dbPost, nil)
	assert.NotContains(t, res.Flags, FlagTooShort)
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	assert.NoError(t, Config{}.Validate())
	assert.Error(t, Config{MinChars: 900}.Validate())
	assert.Error(t, Config{MaxSimilarity: 1.5}.Validate())
	assert.Error(t, Config{PassScore: 101}.Validate())
	assert.Error(t, Config{MinChars: -1}.Validate())
}

func TestSimilarity(t *testing.T) {
	t.Parallel()
	assert.InDelta(t, 1.0, Similarity(goodDraft, goodDraft), 1e-9)
	assert.Zero(t, Similarity("", goodDraft))
	assert.Less(t, Similarity(goodDraft, "Batched deletes saved us too, though replication lag hurt."), 0.1)
	near := strings.Replace(goodDraft, "neat", "clever", 1)
	assert.Greater(t, Similarity(goodDraft, near), 0.6)
	assert.InDelta(t, Similarity("a b", "b c"), 1.0/3.0, 1e-9, "short texts compare words")
}

func FuzzReview(f *testing.F) {
	f.Add(goodDraft, dbPost.Title, dbPost.Text, "postgres", "other draft")
	f.Add("", "", "", "", "")
	f.Add("GREAT POST!!! www.x.com [a](b) http://", "T", "text text", "x", "GREAT POST")
	f.Add("ünïcödé — “quotes” … node.js ASP.NET e.g.", "ünïcödé", "…", "ü", "")
	f.Fuzz(func(t *testing.T, draft, title, text, keyword, other string) {
		res := Review(Config{}, draft, PostInput{Title: title, Text: text, Keywords: []string{keyword}}, []string{other})
		if res.Score < 0 || res.Score > 100 {
			t.Fatalf("score %d out of range", res.Score)
		}
		if res.Passed && len(res.Flags) > 0 {
			t.Fatalf("passed with flags %v", res.Flags)
		}
		if len(res.Reasons) != len(res.Flags) {
			t.Fatalf("%d reasons for %d flags", len(res.Reasons), len(res.Flags))
		}
	})
}

func TestExportedHelpers(t *testing.T) {
	t.Parallel()
	assert.True(t, IsCommentaryWord("Posts"))
	assert.True(t, IsCommentaryWord("thanks"))
	assert.False(t, IsCommentaryWord("autovacuum"))
	assert.Equal(t, "example.com/x", FindLink("see example.com/x now"))
	assert.Empty(t, FindLink("ASP.NET and node.js"))
}

// TestReviewRejectsBrokenPhrases: drafts built from fragments that are not
// noun phrases, or quoting a clause cut mid-way, are flagged; English and
// unknown-language drafts only.
func TestReviewRejectsBrokenPhrases(t *testing.T) {
	t.Parallel()
	broken := []string{
		"Did your take on the partial index change once Marta said came into play, or did it hold up? The autovacuum scale factor is the part I keep thinking about.",
		"That said, I am not fully convinced that leaning on the partial index is always the right call, since batch jobs onto can tip the balance the other way.",
		`The part where you write "deleting finished rows in small batches instead of" got me thinking about the partial index again.`,
	}
	for _, d := range broken {
		res := Review(Config{}, d, dbPost, nil)
		assert.Contains(t, res.Flags, FlagBrokenPhrase, d)
		assert.False(t, res.Passed, d)
	}
	res := Review(Config{}, goodDraft, dbPost, nil)
	assert.NotContains(t, res.Flags, FlagBrokenPhrase)
	french := dbPost
	french.Language = "fr"
	res = Review(Config{}, broken[0], french, nil)
	assert.NotContains(t, res.Flags, FlagBrokenPhrase, "the English grammar check is not run on other languages")
}
