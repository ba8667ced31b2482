package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

func TestExtractCorpusPosts(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	f := newFetcher(t, web.Config{})
	ctx := context.Background()
	systems := map[string]bool{}
	for _, post := range c.Posts() {
		if post.Disallowed {
			continue
		}
		t.Run(post.Site+post.Path, func(t *testing.T) {
			page, err := f.Fetch(ctx, post.URL)
			require.NoError(t, err)
			art, err := web.Extract(page.FinalURL, page.Body)
			require.NoError(t, err)
			assert.Equal(t, post.Title, art.Title)
			assert.Equal(t, post.Author, art.Author)
			require.NotNil(t, art.Published, "published date")
			assert.True(t, post.Published.Equal(*art.Published), "%s vs %s", post.Published, art.Published)
			assert.Equal(t, "en", art.Lang)
			assert.Equal(t, post.URL, art.CanonicalURL)
			assert.Contains(t, art.Text, post.FirstParagraph())
			for _, sec := range post.Sections {
				assert.Contains(t, art.Text, strings.TrimPrefix(sec, "## "))
			}
			assert.Contains(t, art.Text, "\n\n", "paragraphs separated by blank lines")
			assert.NotContains(t, art.Text, "Leave a Reply", "comment form leaked into text")
			assert.NotContains(t, art.Text, "Recent posts", "sidebar leaked into text")
			assert.NotEmpty(t, art.Excerpt)
			assert.NotEmpty(t, art.Site)
			assert.Equal(t, post.CommentSystem(), art.Comments.System)
			assert.Equal(t, post.CommentsOpen(), art.Comments.Open)
			systems[post.Comments] = true
		})
	}
	for _, style := range []string{webtest.CommentsWordPressOpen, webtest.CommentsWordPressClosed, webtest.CommentsDisqus,
		webtest.CommentsNativeOpen, webtest.CommentsNativeClosed, webtest.CommentsGiscus, webtest.CommentsNone} {
		assert.True(t, systems[style], "corpus lacks comment style %s", style)
	}
}

func TestExtractComments(t *testing.T) {
	t.Parallel()
	page := func(extra string) []byte {
		return []byte(`<html><head><title>T</title></head><body><article><h1>T</h1><p>` +
			strings.Repeat("Some long enough paragraph about database indexes and query plans. ", 12) +
			`</p></article>` + extra + `</body></html>`)
	}
	cases := []struct {
		name, html string
		want       web.CommentInfo
	}{
		{"none", ``, web.CommentInfo{Open: false, System: web.CommentsNone}},
		{"wordpress form", `<div id="respond"><form id="commentform" action="/wp-comments-post.php"><textarea name="comment"></textarea></form></div>`, web.CommentInfo{Open: true, System: web.CommentsWordPress}},
		{"wordpress action only", `<form action="https://x.example/wp-comments-post.php" method="post"><textarea name="c"></textarea></form>`, web.CommentInfo{Open: true, System: web.CommentsWordPress}},
		{"wordpress closed", `<div id="comments" class="comments-area"><p class="no-comments">Comments are closed.</p></div>`, web.CommentInfo{Open: false, System: web.CommentsWordPress}},
		{"disqus div", `<div id="disqus_thread"></div>`, web.CommentInfo{Open: true, System: web.CommentsDisqus}},
		{"disqus script", `<script src="https://myblog.disqus.com/embed.js"></script>`, web.CommentInfo{Open: true, System: web.CommentsDisqus}},
		{"native", `<form method="post" action="/reply"><textarea name="comment"></textarea></form>`, web.CommentInfo{Open: true, System: web.CommentsNative}},
		{"native closed", `<section class="comments"><p>Comments are closed for this post.</p></section>`, web.CommentInfo{Open: false, System: web.CommentsNative}},
		{"contact form is not comments", `<form action="/contact"><textarea name="message"></textarea></form>`, web.CommentInfo{Open: false, System: web.CommentsNone}},
		{"giscus", `<script src="https://giscus.app/client.js" async></script>`, web.CommentInfo{Open: true, System: web.CommentsGiscus}},
		{"facebook pixel is not comments", `<script>fbq('init','1');</script><script async src="https://connect.facebook.net/en_US/fbevents.js"></script>`, web.CommentInfo{Open: false, System: web.CommentsNone}},
		{"facebook sdk for a like button is not comments", `<div class="fb-like"></div><script async src="https://connect.facebook.net/en_US/sdk.js"></script>`, web.CommentInfo{Open: false, System: web.CommentsNone}},
		{"facebook comments", `<div class="fb-comments" data-href="https://blog.example.com/post"></div><script async src="https://connect.facebook.net/en_US/sdk.js"></script>`, web.CommentInfo{Open: true, System: web.CommentsFacebook}},
		{"isso", `<section id="isso-thread"></section>`, web.CommentInfo{Open: true, System: web.CommentsOther}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			art, err := web.Extract("https://blog.example.com/post", page(tc.html))
			require.NoError(t, err)
			assert.Equal(t, tc.want, art.Comments)
		})
	}
}

func TestExtractMetadataFallbacks(t *testing.T) {
	t.Parallel()
	body := []byte(`<!doctype html><html lang="de-DE"><head><meta charset="iso-8859-1">
<title>Über Indexe | Datenblog</title>
<meta property="og:site_name" content="Datenblog">
<meta property="article:author" content="https://facebook.com/someone">
<meta name="description" content="Kurz erklärt.">
<link rel="canonical" href="https://other.example.net/stolen">
<script type="application/ld+json">[{"@type":"WebSite","name":"x"},{"@type":["BlogPosting"],"headline":"Über Indexe","datePublished":"2024-03-05T10:00:00+01:00","author":"Jana Beispiel"}]</script>
</head><body><article><h1>Über Indexe</h1><p>` + strings.Repeat("Ein Index beschleunigt Abfragen, kostet aber Schreibleistung. ", 15) + `</p></article></body></html>`)
	// Encode as Latin-1 to exercise charset detection.
	latin := make([]byte, 0, len(body))
	for _, r := range string(body) {
		latin = append(latin, byte(r))
	}
	art, err := web.Extract("https://www.datenblog.example.com/2024/indexe/?utm_source=x", latin)
	require.NoError(t, err)
	assert.Equal(t, "Über Indexe", art.Title)
	assert.Equal(t, "Jana Beispiel", art.Author)
	assert.Equal(t, "Datenblog", art.Site)
	assert.Equal(t, "de-DE", art.Lang)
	assert.Equal(t, "Kurz erklärt.", art.Excerpt)
	require.NotNil(t, art.Published)
	assert.Equal(t, "2024-03-05T09:00:00Z", art.Published.Format("2006-01-02T15:04:05Z07:00"))
	assert.Equal(t, "https://www.datenblog.example.com/2024/indexe/", art.CanonicalURL, "cross-site canonical ignored")
	assert.Contains(t, art.Text, "Ein Index beschleunigt Abfragen")
}

func TestExtractTextCapAndEmpty(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("<html><body><article><h1>Long</h1>")
	for i := 0; i < 3000; i++ {
		b.WriteString("<p>Paragraph about goroutines and channels and the scheduler, number ")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(".</p>")
	}
	b.WriteString("</article></body></html>")
	art, err := web.Extract("https://e.example/long", []byte(b.String()))
	require.NoError(t, err)
	assert.LessOrEqual(t, len(art.Text), web.MaxTextBytes)
	assert.Greater(t, len(art.Text), web.MaxTextBytes/2)
	assert.True(t, strings.HasSuffix(art.Text, "."), "cut at a paragraph break")

	_, err = web.Extract("https://e.example/empty", []byte("<html><body><script>var x;</script></body></html>"))
	require.ErrorIs(t, err, web.ErrNoContent)
}
