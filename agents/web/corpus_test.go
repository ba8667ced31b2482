package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"codeberg.org/readeck/go-readability/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
)

// corpusCase is one page of testdata/extract and what a reader should
// find in it, written by hand.
type corpusCase struct {
	File          string `json:"file"`
	URL           string `json:"url"`
	Platform      string `json:"platform"`
	Title         string `json:"title"`
	Byline        string `json:"byline"`
	Date          string `json:"date"` // publication day, UTC
	Lang          string `json:"lang"` // primary subtag
	Dir           string `json:"dir"`
	CommentsOpen  bool   `json:"comments_open"`
	CommentSystem string `json:"comment_system"`
}

// corpusFields are the fields scored, in table order.
var corpusFields = []string{"title", "byline", "date", "lang", "dir", "comments"}

// found is what one reader found in a page, by field; "n/a" when the
// reader does not offer the field.
type found map[string]string

func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "extract", "cases.json"))
	require.NoError(t, err)
	var cases []corpusCase
	require.NoError(t, json.Unmarshal(raw, &cases))
	require.GreaterOrEqual(t, len(cases), 20)
	return cases
}

func (c corpusCase) body(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "extract", c.File))
	require.NoError(t, err)
	return b
}

func (c corpusCase) want() found {
	return found{"title": c.Title, "byline": c.Byline, "date": c.Date, "lang": c.Lang, "dir": c.Dir,
		"comments": fmt.Sprintf("%s/%t", c.CommentSystem, c.CommentsOpen)}
}

func primary(tag string) string {
	tag, _, _ = strings.Cut(strings.ToLower(strings.ReplaceAll(tag, "_", "-")), "-")
	return tag
}

// ours reads a corpus page with web.Extract.
func ours(t *testing.T, c corpusCase) found {
	a, err := web.Extract(c.URL, c.body(t))
	require.NoError(t, err, c.File)
	f := found{"title": a.Title, "byline": a.Author, "lang": primary(a.Lang), "dir": a.Dir,
		"comments": fmt.Sprintf("%s/%t", a.Comments.System, a.Comments.Open)}
	if a.Published != nil {
		f["date"] = a.Published.UTC().Format("2006-01-02")
	}
	return f
}

// theirs reads a corpus page with go-readability alone, as the crew did
// before it weighed the page's own metadata.
func theirs(t *testing.T, c corpusCase) found {
	u, err := url.Parse(c.URL)
	require.NoError(t, err)
	a, err := readability.FromReader(bytes.NewReader(c.body(t)), u)
	require.NoError(t, err, c.File)
	byline := strings.TrimSpace(a.Byline())
	if l := strings.ToLower(byline); strings.HasPrefix(l, "by ") {
		byline = strings.TrimSpace(byline[3:])
	}
	f := found{"title": strings.Join(strings.Fields(a.Title()), " "), "byline": byline, "lang": primary(a.Language()),
		"dir": "n/a", "comments": "n/a"}
	if p, err := a.PublishedTime(); err == nil {
		f["date"] = p.UTC().Format("2006-01-02")
	}
	return f
}

// TestExtractCorpus scores web.Extract on the hand-written corpus, field
// by field, and checks it is right on every page; go-readability reads
// the same pages for the README's comparison, and must never beat it.
func TestExtractCorpus(t *testing.T) {
	t.Parallel()
	cases := loadCorpus(t)
	oursRight, theirsRight := map[string]int{}, map[string]int{}
	for _, c := range cases {
		want, got, base := c.want(), ours(t, c), theirs(t, c)
		for _, f := range corpusFields {
			if got[f] == want[f] {
				oursRight[f]++
			}
			if base[f] == want[f] {
				theirsRight[f]++
			}
		}
		t.Run(c.File, func(t *testing.T) {
			for _, f := range corpusFields {
				assert.Equal(t, want[f], got[f], "%s of %s (%s)", f, c.File, c.Platform)
			}
			a, err := web.Extract(c.URL, c.body(t))
			require.NoError(t, err)
			if c.Platform == "Forum" {
				assert.Empty(t, a.Kind, "a forum thread does not say what it is")
			} else {
				assert.Equal(t, web.KindArticle, a.Kind, "every post says it is one")
			}
		})
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| field (%d pages) | web.Extract | go-readability |\n|---|---|---|\n", len(cases))
	for _, f := range corpusFields {
		theirsCell := fmt.Sprintf("%d/%d", theirsRight[f], len(cases))
		if f == "dir" || f == "comments" {
			theirsCell = "not offered"
		}
		fmt.Fprintf(&table, "| %s | %d/%d | %s |\n", f, oursRight[f], len(cases), theirsCell)
		assert.GreaterOrEqual(t, oursRight[f], theirsRight[f], "go-readability reads %s better", f)
	}
	t.Logf("extraction scores:\n%s", table.String())
}
