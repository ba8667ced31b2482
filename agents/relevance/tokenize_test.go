package relevance

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStemJoinsInflections(t *testing.T) {
	t.Parallel()
	groups := [][]string{
		{"database", "databases"},
		{"query", "queries"},
		{"index", "indexes", "indexing", "indexed"},
		{"store", "stored", "storing", "stores"},
		{"run", "running", "runs"},
		{"cache", "caches", "caching", "cached"},
		{"tomato", "tomatoes"},
		{"class", "classes"},
		{"process", "processes", "processing", "processed"},
		{"embed", "embedded", "embedding"},
		{"install", "installed", "installing"},
	}
	for _, g := range groups {
		want := Stem(g[0])
		for _, w := range g[1:] {
			assert.Equal(t, want, Stem(w), "%q and %q should share a stem", g[0], w)
		}
	}
	// Words that must stay apart.
	assert.NotEqual(t, Stem("status"), Stem("state"))
	assert.NotEqual(t, Stem("go"), Stem("goal"))
	// Short and non-ASCII words are left alone.
	assert.Equal(t, "go", Stem("go"))
	assert.Equal(t, "café", Stem("café"))
	assert.Equal(t, "string", Stem("string"))
}

func TestTokenize(t *testing.T) {
	t.Parallel()
	got := Tokenize("The Databases aren't slow: PostgreSQL's query-planner uses indexes, e.g. node.js!")
	assert.Equal(t, []string{"databas", "slow", "postgresql", "query", "planner", "index", "node.js"}, got)
	assert.Empty(t, Tokenize("the and of it is a"))
	assert.Empty(t, Tokenize(""))
}

func TestWordsKeepsJoinedForms(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []string{"don't", "use", "real-time", "socket.io", "v1.2"},
		Words("Don't use real-time socket.io v1.2."))
	assert.Equal(t, []string{"a", "b"}, Words("--a-- ..b.."))
	var raw []string
	EachRawWord("Don't SHOUT", func(w string) { raw = append(raw, w) })
	assert.Equal(t, []string{"Don't", "SHOUT"}, raw)
}

func TestIsStopword(t *testing.T) {
	t.Parallel()
	assert.True(t, IsStopword("the"))
	assert.True(t, IsStopword("because"))
	assert.False(t, IsStopword("database"))
}
