package offline

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/relevance"
	"github.com/kpbot/kpbot/agents/reviewer"
)

func generate(t *testing.T, g *Generator, pc *agents.PostContext) agents.GenerateResponse {
	t.Helper()
	resp, err := g.Generate(context.Background(), agents.GenerateRequest{Purpose: agents.PurposeComment, Post: pc})
	require.NoError(t, err)
	return resp
}

func newGen(t *testing.T) *Generator {
	t.Helper()
	g, err := New(Config{})
	require.NoError(t, err)
	return g
}

func review(draft string, p testPost, others []string) reviewer.Result {
	return reviewer.Review(reviewer.Config{}, draft, reviewer.PostInput{Title: p.Title, Text: p.Text, Keywords: p.Keywords}, others)
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	for _, p := range loadPosts(t)[:5] {
		a := generate(t, g, p.context())
		b := generate(t, g, p.context())
		assert.Equal(t, a, b)
	}
	// Another attempt of the same post gives another draft.
	p := loadPosts(t)[0]
	first := generate(t, g, p.context()).Content
	retry := p.context()
	retry.Attempt = 1
	assert.NotEqual(t, first, generate(t, g, retry).Content)
}

func TestVarietyAcrossPosts(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	for _, tone := range []string{"friendly", "professional", "casual"} {
		var drafts []string
		for _, p := range loadPosts(t) {
			pc := p.context()
			pc.Tone = tone
			drafts = append(drafts, generate(t, g, pc).Content)
		}
		worst, sum, pairs := 0.0, 0.0, 0
		for i := range drafts {
			for j := i + 1; j < len(drafts); j++ {
				require.NotEqual(t, drafts[i], drafts[j])
				sim := reviewer.Similarity(drafts[i], drafts[j])
				worst = max(worst, sim)
				sum += sim
				pairs++
				// Below the reviewer's near-duplicate bar (0.6) with room to spare.
				assert.Less(t, sim, 0.55, "%s drafts %d and %d:\n%s\n%s", tone, i, j, drafts[i], drafts[j])
			}
		}
		mean := sum / float64(pairs)
		assert.Less(t, mean, 0.1, "typical pairs share little")
		t.Logf("%s: pairwise similarity mean %.3f, highest %.2f", tone, mean, worst)
	}
}

func TestNamesAPostTermAndPassesReview(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	total, passed := 0, 0
	for _, tone := range []string{"friendly", "professional", "casual", ""} {
		var others []string // one campaign per tone
		for _, p := range loadPosts(t) {
			pc := p.context()
			pc.Tone = tone
			draft := generate(t, g, pc).Content
			res := review(draft, p, others)
			others = append(others, draft)

			require.NotEmpty(t, res.Terms, "draft names nothing from the post: %s", draft)
			for _, term := range res.Terms {
				assert.Subset(t, relevance.Tokenize(p.Title+" "+p.Text), relevance.Tokenize(term))
			}
			n := utf8.RuneCountInString(draft)
			assert.True(t, n >= 80 && n <= 700, "length %d: %s", n, draft)
			assert.Empty(t, reviewer.FindLink(draft))
			sentences := strings.Count(draft, ". ") + strings.Count(draft, "? ") + 1
			assert.True(t, sentences >= 2 && sentences <= 5, draft)

			total++
			if res.Passed {
				passed++
			} else {
				t.Logf("failed review %v: %s", res.Reasons, draft)
			}
		}
	}
	rate := float64(passed) / float64(total)
	t.Logf("pass rate %d/%d", passed, total)
	assert.GreaterOrEqual(t, rate, 0.9)
}

func TestSkipsBoilerplate(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	for _, p := range loadPosts(t) {
		for attempt := range 4 {
			pc := p.context()
			pc.Attempt = attempt
			draft := strings.ToLower(generate(t, g, pc).Content)
			assert.NotContains(t, draft, "subscribe")
			assert.NotContains(t, draft, "cookie")
			assert.NotContains(t, draft, "newsletter")
		}
	}
}

func TestTones(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	contracted := map[string]int{}
	for _, tone := range []string{"professional", "casual"} {
		for _, p := range loadPosts(t) {
			pc := p.context()
			pc.Tone = tone
			d := generate(t, g, pc).Content
			for _, c := range []string{"I'd ", "I'm ", "it's ", "It's ", "I've ", "I'll ", "haven't", "can't", "you've"} {
				contracted[tone] += strings.Count(d, c)
			}
		}
	}
	assert.Zero(t, contracted["professional"], "professional drafts use full forms")
	assert.Positive(t, contracted["casual"])
}

func TestFeedbackIsAddressed(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	posts := loadPosts(t)

	t.Run("too short makes it longer", func(t *testing.T) {
		t.Parallel()
		longer := 0
		for _, p := range posts {
			base := generate(t, g, p.context()).Content
			pc := p.context()
			pc.Feedback = []string{"too_short: the draft has 60 characters, at least 80 are needed"}
			if utf8.RuneCountInString(generate(t, g, pc).Content) > utf8.RuneCountInString(base) {
				longer++
			}
		}
		assert.GreaterOrEqual(t, longer, 15, "most drafts grow")
	})
	t.Run("too long makes it shorter", func(t *testing.T) {
		t.Parallel()
		for _, p := range posts {
			pc := p.context()
			pc.Feedback = []string{"too_long: the draft has 900 characters, at most 700 are allowed"}
			d := generate(t, g, pc).Content
			assert.NotContains(t, d, `"`, "no quote when asked to be shorter")
			assert.LessOrEqual(t, strings.Count(d, ". ")+strings.Count(d, "? "), 1, d)
		}
	})
	t.Run("suggested term is used", func(t *testing.T) {
		t.Parallel()
		p := posts[0]
		pc := p.context()
		pc.Feedback = []string{`no_post_reference: the draft does not mention anything specific from the post; name a concrete term or idea from it, e.g. "autovacuum", "queue"`}
		d := generate(t, g, pc).Content
		assert.Contains(t, strings.ToLower(d), "autovacuum")
		assert.True(t, review(d, p, nil).Passed)
	})
	t.Run("keyword stuffing avoids keywords", func(t *testing.T) {
		t.Parallel()
		for _, p := range posts {
			pc := p.context()
			pc.Feedback = []string{"keyword_stuffing: campaign keywords make up 30% of the words"}
			d := generate(t, g, pc).Content
			kw := map[string]bool{}
			for _, k := range p.Keywords {
				relevance.EachTerm(k, func(s string) { kw[s] = true })
			}
			hits := 0
			relevance.EachTerm(d, func(s string) {
				if kw[s] {
					hits++
				}
			})
			assert.LessOrEqual(t, hits, 2, d)
		}
	})
	t.Run("generic praise avoids praise openers and agreeing", func(t *testing.T) {
		t.Parallel()
		for _, p := range posts {
			pc := p.context()
			pc.Feedback = []string{"generic_praise: the draft is mostly generic praise"}
			d := generate(t, g, pc).Content
			assert.NotContains(t, d, "pleasure")
			assert.NotContains(t, d, "I'd add")
			assert.Empty(t, review(d, p, nil).Flags, d)
		}
	})
	t.Run("link complaint drops the quote", func(t *testing.T) {
		t.Parallel()
		for _, p := range posts {
			pc := p.context()
			pc.Feedback = []string{"contains_link: remove it"}
			assert.NotContains(t, generate(t, g, pc).Content, `"`)
		}
	})
	t.Run("near duplicate moves to another sentence", func(t *testing.T) {
		t.Parallel()
		changed := 0
		for _, p := range posts {
			base := generate(t, g, p.context()).Content
			pc := p.context()
			pc.Attempt = 1
			pc.Feedback = []string{"near_duplicate: the draft is 75% similar to another draft"}
			if reviewer.Similarity(base, generate(t, g, pc).Content) < 0.5 {
				changed++
			}
		}
		assert.GreaterOrEqual(t, changed, 18)
	})
}

func TestGuidelines(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	for _, p := range loadPosts(t) {
		pc := p.context()
		pc.Guidelines = "No questions please; keep it brief."
		d := generate(t, g, pc).Content
		assert.NotContains(t, d, "?", d)

		pc = p.context()
		pc.Guidelines = "Always end with a question."
		d = generate(t, g, pc).Content
		assert.Contains(t, d, "?", d)
	}
}

func TestLengthBounds(t *testing.T) {
	t.Parallel()
	g, err := New(Config{MinChars: 250, MaxChars: 320})
	require.NoError(t, err)
	for _, p := range loadPosts(t) {
		d := generate(t, g, p.context()).Content
		n := utf8.RuneCountInString(d)
		assert.True(t, n >= 250 && n <= 320, "%d: %s", n, d)
	}
}

func TestLanguageWarningUsageAndModel(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	p := loadPosts(t)[2]
	pc := p.context()
	for _, lang := range []string{"fr", "de-DE", "ar", "pt_BR"} {
		pc.Language = lang
		_, err := g.Generate(t.Context(), agents.GenerateRequest{Post: pc})
		require.ErrorIs(t, err, agents.ErrLanguageUnsupported, lang)
		assert.Contains(t, err.Error(), lang)
	}
	pc.Language = ""
	resp := generate(t, g, pc)
	assert.Empty(t, resp.Warnings)
	assert.Equal(t, DefaultModel, resp.Model)
	words := len(strings.Fields(resp.Content))
	assert.InDelta(t, float64(words)*1.3, resp.Usage.CompletionTokens, 1)
	assert.Greater(t, resp.Usage.PromptTokens, len(strings.Fields(p.Text)))
	assert.Equal(t, resp.Usage.PromptTokens+resp.Usage.CompletionTokens, resp.Usage.TotalTokens)
	assert.Zero(t, resp.Usage.CostUSD)

	pc.Language = "en-GB"
	assert.NotEmpty(t, generate(t, g, pc).Content, "English in any region is written")
}

func TestWithoutPostAndErrors(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	p := loadPosts(t)[10]
	resp, err := g.Generate(context.Background(), agents.GenerateRequest{
		Messages: []agents.Message{{Role: agents.RoleUser, Content: p.Text}},
	})
	require.NoError(t, err)
	assert.NotEmpty(t, review(resp.Content, p, nil).Terms)

	_, err = g.Generate(context.Background(), agents.GenerateRequest{})
	require.ErrorIs(t, err, ErrNoText)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = g.Generate(ctx, agents.GenerateRequest{Post: p.context()})
	require.ErrorIs(t, err, context.Canceled)

	_, err = New(Config{MinChars: 500, MaxChars: 100})
	require.Error(t, err)
}

func TestTitleOnlyAndTinyPosts(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	cases := []*agents.PostContext{
		{Title: "Sharpening chisels with waterstones", URL: "https://a.example/1"},
		{Title: "Hi", Text: "Ok.", URL: "https://a.example/2"},
		{Text: "Subscribe to our newsletter. Accept cookies.", URL: "https://a.example/3"},
	}
	for i, pc := range cases {
		resp := generate(t, g, pc)
		n := utf8.RuneCountInString(resp.Content)
		assert.True(t, n >= 80 && n <= 700, "case %d: %d chars: %s", i, n, resp.Content)
	}
	d := generate(t, g, cases[0]).Content
	assert.Contains(t, strings.ToLower(d), "chisels", d)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	g := newGen(t)
	posts := loadPosts(t)
	want := make([]string, len(posts))
	for i, p := range posts {
		want[i] = generate(t, g, p.context()).Content
	}
	errs := make(chan error, len(posts))
	for i, p := range posts {
		go func() {
			resp, err := g.Generate(context.Background(), agents.GenerateRequest{Post: p.context()})
			if err == nil && resp.Content != want[i] {
				err = fmt.Errorf("post %d: different draft under concurrency", i)
			}
			errs <- err
		}()
	}
	for range posts {
		assert.NoError(t, <-errs)
	}
}
