package relevance

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	dbPost = `Our PostgreSQL database slowed down every night when the batch jobs ran.
The fix was not more hardware: we added a partial index on the queue table and
rewrote two queries that scanned the whole table. Connection pooling with
PgBouncer kept the number of database connections flat. The lesson: read the
query plan before you buy a bigger machine, because most database problems are
index problems.`
	gardenPost = `This spring I moved the tomatoes to the sunny side of the garden and
mulched them with straw. Watering deeply twice a week instead of a little every
day made the roots go down, and the plants survived the August heat wave. Next
year I want to try companion planting with basil and marigolds.`
	goPost = `Go's context package carries deadlines and cancellation across API
boundaries. Pass a context as the first argument, never store it in a struct,
and always call the cancel function. A database call that takes a context
stops waiting when the request is cancelled.`
)

func newScorer(t *testing.T, keywords ...string) *Scorer {
	t.Helper()
	s, err := NewScorer(Config{}, keywords...)
	require.NoError(t, err)
	for _, d := range []string{dbPost, gardenPost, goPost} {
		s.Observe(d, "")
	}
	return s
}

func TestScoreRanksRelevantAboveIrrelevant(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "databases", "query performance", "indexing")
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	db := s.Score(dbPost, "Fixing a slow database", nil, now)
	garden := s.Score(gardenPost, "Tomatoes in a dry summer", nil, now)
	goScore := s.Score(goPost, "Context in Go", nil, now)

	assert.Greater(t, db, goScore, "the database post beats the Go post, which only mentions a database once")
	assert.Greater(t, goScore, garden)
	assert.Zero(t, garden, "no keyword at all scores 0")
	assert.Greater(t, db, 0.2)
	assert.LessOrEqual(t, db, 1.0)
}

func TestScoreStemsKeywords(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "databases")
	assert.Positive(t, s.TextScore("one database here", ""), `"databases" matches "database"`)
	assert.Equal(t, []string{Stem("database")}, s.Terms())
}

func TestTitleWeight(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "compost")
	body := "Leaves, coffee grounds and cardboard. Turn the compost every week and keep it damp."
	inTitle := s.TextScore(body, "Compost in winter")
	notInTitle := s.TextScore(body, "Notes from the allotment")
	assert.Greater(t, inTitle, notInTitle)

	noTitleWeight, err := NewScorer(Config{TitleWeight: 0.0001}, "compost")
	require.NoError(t, err)
	assert.InDelta(t, noTitleWeight.TextScore(body, "Compost in winter"),
		noTitleWeight.TextScore(body, "Notes from the allotment"), 0.01)
}

func TestRecency(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "database")
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	fresh := now.Add(-24 * time.Hour)
	old := now.AddDate(-3, 0, 0)
	future := now.Add(time.Hour)

	fs := s.Score(dbPost, "", &fresh, now)
	os := s.Score(dbPost, "", &old, now)
	us := s.Score(dbPost, "", nil, now)
	assert.Greater(t, fs, us, "fresh beats unknown")
	assert.Greater(t, us, os, "unknown beats three years old")
	assert.InDelta(t, s.TextScore(dbPost, ""), s.Score(dbPost, "", &future, now), 1e-9, "future dates count as new")
	assert.InDelta(t, 0.8, s.Recency(&old, now), 0.01, "old posts keep 1-RecencyWeight")
	assert.InDelta(t, 0.9, s.Recency(nil, now), 1e-9, "unknown is one half-life")
}

func TestIDFFollowsRunningCorpus(t *testing.T) {
	t.Parallel()
	s, err := NewScorer(Config{}, "kubernetes", "helm")
	require.NoError(t, err)
	doc := "kubernetes helm"
	// Before any observation both terms weigh the same.
	onlyK := s.TextScore("kubernetes cluster", "")
	onlyH := s.TextScore("helm chart", "")
	assert.InDelta(t, onlyK, onlyH, 1e-9)
	// Kubernetes is everywhere, helm is rare: helm now weighs more.
	for i := range 20 {
		s.Observe(fmt.Sprintf("kubernetes note %d", i), "")
	}
	s.Observe(doc, "")
	assert.Equal(t, 21, s.Observed())
	assert.Greater(t, s.TextScore("helm chart", ""), s.TextScore("kubernetes cluster", ""))
}

func TestLengthNormalisation(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "database")
	short := "The database was slow."
	long := short + strings.Repeat(" Unrelated words about weather, travel and lunch.", 40)
	assert.Greater(t, s.TextScore(short, ""), s.TextScore(long, ""))
}

func TestNewScorerErrors(t *testing.T) {
	t.Parallel()
	_, err := NewScorer(Config{}, "the", "and")
	require.Error(t, err)
	_, err = NewScorer(Config{B: 2}, "database")
	require.Error(t, err)
	_, err = NewScorer(Config{RecencyWeight: -1}, "database")
	require.Error(t, err)
}

func TestScorerConcurrent(t *testing.T) {
	t.Parallel()
	s := newScorer(t, "database")
	done := make(chan float64)
	for range 8 {
		go func() {
			s.Observe(dbPost, "")
			done <- s.TextScore(dbPost, "")
		}()
	}
	for range 8 {
		v := <-done
		assert.True(t, v > 0 && v <= 1)
	}
	assert.Equal(t, 11, s.Observed())
}

func BenchmarkScore2000Words(b *testing.B) {
	s, err := NewScorer(Config{}, "database", "index", "query planner", "postgres")
	if err != nil {
		b.Fatal(err)
	}
	words := strings.Fields(dbPost + " " + gardenPost + " " + goPost)
	var sb strings.Builder
	for i := range 2000 {
		sb.WriteString(words[i%len(words)])
		sb.WriteByte(' ')
	}
	text := sb.String()
	s.Observe(text, "")
	now := time.Now()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_ = s.Score(text, "Database indexing", &now, now)
	}
}

// TestTopicsOnlyAdd: a campaign's topics raise the score of posts about
// them, less than keywords would, and never lower a post with the
// keywords.
func TestTopicsOnlyAdd(t *testing.T) {
	t.Parallel()
	plain, err := NewScorer(Config{}, "database")
	require.NoError(t, err)
	topical, err := NewTopicScorer(Config{}, []string{"database"}, []string{"gardening", "tomatoes"})
	require.NoError(t, err)
	asKeywords, err := NewScorer(Config{}, "database", "gardening", "tomatoes")
	require.NoError(t, err)
	for _, s := range []*Scorer{plain, topical, asKeywords} {
		for _, d := range []string{dbPost, gardenPost, goPost} {
			s.Observe(d, "")
		}
	}
	assert.Zero(t, plain.TextScore(gardenPost, "Tomatoes in a dry summer"))
	garden := topical.TextScore(gardenPost, "Tomatoes in a dry summer")
	assert.Positive(t, garden, "a post on the topics scores")
	assert.Less(t, garden, asKeywords.TextScore(gardenPost, "Tomatoes in a dry summer"), "less than if they were keywords")
	assert.InDelta(t, plain.TextScore(dbPost, ""), topical.TextScore(dbPost, ""), 1e-12, "the keywords' scale is unchanged")
	assert.Equal(t, []string{Stem("database"), Stem("gardening"), Stem("tomatoes")}, topical.Terms())

	both, err := NewTopicScorer(Config{}, []string{"database"}, []string{"database"})
	require.NoError(t, err)
	assert.Equal(t, []string{Stem("database")}, both.Terms(), "a keyword that is also a topic counts once, as a keyword")
	_, err = NewTopicScorer(Config{TopicWeight: 2}, []string{"database"}, nil)
	assert.Error(t, err)
	_, err = NewTopicScorer(Config{}, nil, []string{"gardening"})
	assert.Error(t, err, "topics alone are not enough")
}

// TestCoverageIgnoresOrder: Coverage gives a document the same value
// whatever was observed before, where TextScore moves with the corpus.
func TestCoverageIgnoresOrder(t *testing.T) {
	t.Parallel()
	fresh, err := NewScorer(Config{}, "database", "context")
	require.NoError(t, err)
	before := fresh.Coverage(goPost, "Context in Go")
	textBefore := fresh.TextScore(goPost, "Context in Go")
	for range 5 {
		fresh.Observe(goPost, "Context in Go")
	}
	assert.Equal(t, before, fresh.Coverage(goPost, "Context in Go"))
	assert.NotEqual(t, textBefore, fresh.TextScore(goPost, "Context in Go"), "the corpus statistics moved TextScore")
	assert.Positive(t, before)
	assert.Zero(t, fresh.Coverage(gardenPost, ""), "no term, no coverage")
}

// TestRateIsObserveScoreCoverage: Rate gives what Observe followed by
// Score and Coverage give.
func TestRateIsObserveScoreCoverage(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	pub := now.Add(-30 * 24 * time.Hour)
	a, err := NewTopicScorer(Config{}, []string{"database", "index"}, []string{"context"})
	require.NoError(t, err)
	b, err := NewTopicScorer(Config{}, []string{"database", "index"}, []string{"context"})
	require.NoError(t, err)
	for _, d := range []string{dbPost, gardenPost, goPost} {
		score, coverage := a.Rate(d, "A title", &pub, now)
		b.Observe(d, "A title")
		assert.Equal(t, b.Score(d, "A title", &pub, now), score)
		assert.Equal(t, b.Coverage(d, "A title"), coverage)
	}
	assert.Equal(t, b.Observed(), a.Observed())
}
