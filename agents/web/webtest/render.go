package webtest

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"iter"
	"strings"
	"time"
)

// Metadata styles: how a site's post pages declare title, author and date.
const (
	metaJSONLD      = "jsonld"       // BlogPosting JSON-LD and Open Graph
	metaOGArticle   = "og-article"   // meta author, article:published_time, Open Graph
	metaTimeRel     = "time-rel"     // only <time datetime> and rel=author
	metaJSONLDGraph = "jsonld-graph" // JSON-LD @graph (Yoast style)
	metaAuthorTime  = "author-time"  // meta name=author and <time datetime>
)

var esc = html.EscapeString

// renderHead writes the <head> of a page.
func renderHead(w io.Writer, s *siteSpec, base, title string, extra string) {
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	fmt.Fprintf(w, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(w, "<title>%s</title>\n", esc(title))
	if s.wordpress {
		fmt.Fprintf(w, "<meta name=\"generator\" content=\"WordPress 6.5.2\">\n")
		fmt.Fprintf(w, "<link rel=\"stylesheet\" href=\"%s/wp-content/themes/twentytwentyfour/style.css\">\n", base)
	} else {
		fmt.Fprintf(w, "<link rel=\"stylesheet\" href=\"/assets/site.css\">\n")
	}
	if s.feedLinked {
		kind := "application/rss+xml"
		if s.feedKind == "atom" {
			kind = "application/atom+xml"
		}
		fmt.Fprintf(w, "<link rel=\"alternate\" type=\"%s\" title=\"%s Feed\" href=\"%s\">\n", kind, esc(s.title), esc(s.feedPath))
		if s.wordpress {
			fmt.Fprintf(w, "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"%s Comments Feed\" href=\"%s/comments/feed/\">\n", esc(s.title), base)
		}
	}
	_, _ = io.WriteString(w, extra)
	_, _ = io.WriteString(w, "</head>\n")
}

// renderHeader writes the site header and navigation.
func renderHeader(w io.Writer, s *siteSpec) {
	fmt.Fprintf(w, "<body class=\"site\">\n<header class=\"site-header\"><a class=\"brand\" href=\"/\">%s</a>\n", esc(s.title))
	_, _ = io.WriteString(w, "<nav class=\"menu\"><a href=\"/\">Home</a> <a href=\"/about/\">About</a> <a href=\"/contact/\">Contact</a>")
	if s.listingPath != "" {
		fmt.Fprintf(w, " <a href=\"%s\">Blog</a>", s.listingPath)
	}
	_, _ = io.WriteString(w, " <a href=\"/tag/notes/\">Notes</a></nav>\n<form class=\"search\" action=\"/search\"><input name=\"q\" placeholder=\"Search\"></form>\n</header>\n")
}

func renderFooter(w io.Writer, s *siteSpec) {
	fmt.Fprintf(w, "<footer class=\"site-footer\"><p>&copy; 2025 %s. Built with care.</p><p><a href=\"/privacy/\">Privacy</a> · <a href=\"/contact/\">Contact</a></p></footer>\n</body>\n</html>\n", esc(s.title))
}

// renderPost writes a full post page.
func renderPost(w io.Writer, s *siteSpec, base string, p Post, recent []Post) {
	url := base + p.Path
	date := p.Published.Format(time.RFC3339)
	var head strings.Builder
	fmt.Fprintf(&head, "<meta name=\"description\" content=\"%s\">\n", esc(excerpt(p)))
	fmt.Fprintf(&head, "<link rel=\"canonical\" href=\"%s\">\n", esc(url))
	switch s.meta {
	case metaJSONLD:
		fmt.Fprintf(&head, "<meta property=\"og:title\" content=\"%s\">\n<meta property=\"og:site_name\" content=\"%s\">\n<meta property=\"og:type\" content=\"article\">\n", esc(p.Title), esc(s.title))
		ld, _ := json.Marshal(map[string]any{
			"@context": "https://schema.org", "@type": "BlogPosting", "headline": p.Title,
			"datePublished": date, "author": map[string]any{"@type": "Person", "name": p.Author},
			"publisher": map[string]any{"@type": "Organization", "name": s.title}, "mainEntityOfPage": url,
		})
		fmt.Fprintf(&head, "<script type=\"application/ld+json\">%s</script>\n", ld)
	case metaJSONLDGraph:
		ld, _ := json.Marshal(map[string]any{"@context": "https://schema.org", "@graph": []any{
			map[string]any{"@type": "WebSite", "name": s.title, "url": base + "/"},
			map[string]any{"@type": "Article", "headline": p.Title, "datePublished": date,
				"author": []any{map[string]any{"@type": "Person", "name": p.Author}}},
		}})
		fmt.Fprintf(&head, "<script type=\"application/ld+json\">%s</script>\n", ld)
	case metaOGArticle:
		fmt.Fprintf(&head, "<meta name=\"author\" content=\"%s\">\n<meta property=\"og:title\" content=\"%s\">\n<meta property=\"og:site_name\" content=\"%s\">\n<meta property=\"article:published_time\" content=\"%s\">\n", esc(p.Author), esc(p.Title), esc(s.title), date)
	case metaAuthorTime:
		fmt.Fprintf(&head, "<meta name=\"author\" content=\"%s\">\n", esc(p.Author))
	}
	renderHead(w, s, base, p.Title+" | "+s.title, head.String())
	renderHeader(w, s)
	_, _ = io.WriteString(w, "<main id=\"main\">\n<article class=\"post hentry\">\n")
	fmt.Fprintf(w, "<h1 class=\"entry-title\">%s</h1>\n", esc(p.Title))
	human := p.Published.Format("January 2, 2006")
	if s.meta == metaTimeRel {
		fmt.Fprintf(w, "<p class=\"byline\">Written by <a rel=\"author\" href=\"/about/\">%s</a> · <time datetime=\"%s\">%s</time></p>\n", esc(p.Author), date, human)
	} else {
		fmt.Fprintf(w, "<p class=\"byline\">By <span class=\"author\">%s</span> on <time datetime=\"%s\">%s</time></p>\n", esc(p.Author), date, human)
	}
	_, _ = io.WriteString(w, "<div class=\"entry-content\">\n")
	for _, sec := range p.Sections {
		if h, ok := strings.CutPrefix(sec, "## "); ok {
			fmt.Fprintf(w, "<h2>%s</h2>\n", esc(h))
		} else {
			fmt.Fprintf(w, "<p>%s</p>\n", esc(sec))
		}
	}
	_, _ = io.WriteString(w, "</div>\n<footer class=\"entry-footer\"><span class=\"tags\">Tagged <a href=\"/tag/notes/\">notes</a></span> <a class=\"share\" href=\"https://twitter.com/intent/tweet\">Share</a></footer>\n</article>\n")
	renderComments(w, s, p, url)
	_, _ = io.WriteString(w, "</main>\n<aside class=\"sidebar widget-area\"><h3>Recent posts</h3><ul>\n")
	for _, r := range recent {
		fmt.Fprintf(w, "<li><a href=\"%s\">%s</a></li>\n", esc(r.Path), esc(r.Title))
	}
	_, _ = io.WriteString(w, "</ul><h3>Subscribe</h3><p>Get new posts by email. No spam.</p></aside>\n")
	renderFooter(w, s)
}

// renderComments writes the post's comment area in its style.
func renderComments(w io.Writer, s *siteSpec, p Post, url string) {
	existing := `<ol class="comment-list"><li class="comment"><div class="comment-body"><p class="comment-author">Jordan</p><p>Thanks, this matched what we saw on our own systems.</p></div></li></ol>`
	nativeExisting := `<ul class="replies"><li><b>Kim</b> wrote: <p>We hit the same wall last spring.</p></li></ul>`
	switch p.Comments {
	case CommentsWordPressOpen:
		fmt.Fprintf(w, `<div id="comments" class="comments-area"><h2 class="comments-title">One thought on &ldquo;%s&rdquo;</h2>%s
<div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment" cols="45" rows="8" required></textarea></p>
<p class="comment-form-author"><label for="author">Name</label><input id="author" name="author" type="text"></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"><input type="hidden" name="comment_post_ID" value="%d"></p>
</form></div></div>
`, esc(p.Title), existing, len(p.Title))
	case CommentsWordPressClosed:
		fmt.Fprintf(w, "<div id=\"comments\" class=\"comments-area\"><h2 class=\"comments-title\">One thought</h2>%s\n<p class=\"no-comments\">Comments are closed.</p></div>\n", existing)
	case CommentsDisqus:
		fmt.Fprintf(w, `<div id="disqus_thread"></div>
<script>
var disqus_config = function () { this.page.url = %q; this.page.identifier = %q; };
(function() { var d = document, s = d.createElement('script'); s.src = 'https://%s.disqus.com/embed.js'; s.setAttribute('data-timestamp', +new Date()); (d.head || d.body).appendChild(s); })();
</script>
<noscript>Please enable JavaScript to view the comments powered by Disqus.</noscript>
`, url, p.Path, s.name)
	case CommentsNativeOpen:
		_, _ = io.WriteString(w, `<section class="comments" id="comments"><h2>Comments</h2>`+nativeExisting+`
<form class="comment-form" method="post" action="/comments"><label>Your comment<textarea name="comment_body" rows="6"></textarea></label><label>Name <input name="name"></label><button type="submit">Post comment</button></form></section>
`)
	case CommentsNativeClosed:
		_, _ = io.WriteString(w, "<section class=\"comments\" id=\"comments\"><h2>Comments</h2>"+nativeExisting+"<p>Comments are closed for this post.</p></section>\n")
	case CommentsGiscus:
		_, _ = io.WriteString(w, `<section class="discussion"><script src="https://giscus.app/client.js" data-repo="example/blog" data-mapping="pathname" crossorigin="anonymous" async></script></section>`+"\n")
	}
}

// excerpt is the post's description: its first sentence or two.
func excerpt(p Post) string {
	first := p.FirstParagraph()
	if i := strings.Index(first, ". "); i > 0 {
		return first[:i+1]
	}
	return first
}

// renderIndex writes a home or listing page that links posts.
func renderIndex(w io.Writer, s *siteSpec, base, heading string, posts []Post, links []string, trackingLinks bool) {
	renderHead(w, s, base, s.title, "<meta name=\"description\" content=\""+esc(s.tagline)+"\">\n")
	renderHeader(w, s)
	fmt.Fprintf(w, "<main id=\"main\"><h1>%s</h1><p class=\"tagline\">%s</p>\n<ul class=\"post-list\">\n", esc(heading), esc(s.tagline))
	for _, p := range posts {
		href := p.Path
		if trackingLinks {
			href += "?ref=home"
		}
		fmt.Fprintf(w, "<li><a href=\"%s\">%s</a> <span class=\"date\">%s</span><p>%s</p></li>\n", esc(href), esc(p.Title), p.Published.Format("Jan 2, 2006"), esc(excerpt(p)))
	}
	_, _ = io.WriteString(w, "</ul>\n")
	for _, l := range links {
		_, _ = io.WriteString(w, l+"\n")
	}
	_, _ = io.WriteString(w, "</main>\n")
	renderFooter(w, s)
}

// renderPage writes a plain static page (about, contact, privacy).
func renderPage(w io.Writer, s *siteSpec, base, title, text string) {
	renderHead(w, s, base, title+" | "+s.title, "")
	renderHeader(w, s)
	fmt.Fprintf(w, "<main id=\"main\"><article class=\"page\"><h1>%s</h1><p>%s</p></article></main>\n", esc(title), esc(text))
	renderFooter(w, s)
}

// feedLink is a post's link as written in the feed.
func feedLink(s *siteSpec, base string, p Post, dup bool) string {
	l := base + p.Path
	if s.feedTracking {
		l += "?utm_source=rss&utm_medium=feed&utm_campaign=" + s.name
	}
	if dup {
		l += "&fbclid=IwAR0dup#comments"
	}
	return l
}

// renderRSS writes an RSS 2.0 feed of posts.
// next, when set, is the URL of the feed's next page (RFC 5005).
func renderRSS(w io.Writer, s *siteSpec, base string, posts iter.Seq[Post], withDup bool, next string) {
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:atom=\"http://www.w3.org/2005/Atom\">\n<channel>\n<title>%s</title>\n<link>%s/</link>\n<description>%s</description>\n<language>en</language>\n", esc(s.title), base, esc(s.tagline))
	if next != "" {
		fmt.Fprintf(w, "<atom:link rel=\"next\" href=\"%s\"/>\n", esc(next))
	}
	item := func(p Post, dup bool) {
		fmt.Fprintf(w, "<item>\n<title>%s</title>\n<link>%s</link>\n<guid isPermaLink=\"false\">%s-%s</guid>\n<pubDate>%s</pubDate>\n<dc:creator>%s</dc:creator>\n<description>%s</description>\n</item>\n",
			esc(p.Title), esc(feedLink(s, base, p, dup)), s.name, esc(p.Path), p.Published.Format(time.RFC1123Z), esc(p.Author), esc("<p>"+esc(excerpt(p))+"</p>"))
	}
	first := true
	for p := range posts {
		item(p, false)
		if withDup && first {
			item(p, true)
		}
		first = false
	}
	_, _ = io.WriteString(w, "</channel>\n</rss>\n")
}

// renderAtom writes an Atom feed of posts; next as for renderRSS.
func renderAtom(w io.Writer, s *siteSpec, base string, posts iter.Seq[Post], next string) {
	updated := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).Format(time.RFC3339)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>%s</title>\n<subtitle>%s</subtitle>\n<link href=\"%s/\"/>\n<link rel=\"self\" href=\"%s%s\"/>\n<id>%s/</id>\n<updated>%s</updated>\n", esc(s.title), esc(s.tagline), base, base, s.feedPath, base, updated)
	if next != "" {
		fmt.Fprintf(w, "<link rel=\"next\" href=\"%s\"/>\n", esc(next))
	}
	for p := range posts {
		fmt.Fprintf(w, "<entry>\n<title>%s</title>\n<link rel=\"alternate\" href=\"%s\"/>\n<id>%s</id>\n<published>%s</published>\n<updated>%s</updated>\n<author><name>%s</name></author>\n<summary>%s</summary>\n</entry>\n",
			esc(p.Title), esc(feedLink(s, base, p, false)), esc(base+p.Path), p.Published.Format(time.RFC3339), p.Published.Format(time.RFC3339), esc(p.Author), esc(excerpt(p)))
	}
	_, _ = io.WriteString(w, "</feed>\n")
}

// renderURLSet writes a sitemap <urlset>.
func renderURLSet(w io.Writer, base string, entries iter.Seq2[string, time.Time]) {
	_, _ = io.WriteString(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n")
	for p, mod := range entries {
		fmt.Fprintf(w, "<url><loc>%s%s</loc>", base, esc(p))
		if !mod.IsZero() {
			fmt.Fprintf(w, "<lastmod>%s</lastmod>", mod.Format("2006-01-02"))
		}
		_, _ = io.WriteString(w, "</url>\n")
	}
	_, _ = io.WriteString(w, "</urlset>\n")
}

// renderSitemapIndex writes a <sitemapindex> of child sitemap paths.
func renderSitemapIndex(w io.Writer, base string, children []string) {
	_, _ = io.WriteString(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n")
	for _, c := range children {
		fmt.Fprintf(w, "<sitemap><loc>%s%s</loc><lastmod>2025-06-01</lastmod></sitemap>\n", base, esc(c))
	}
	_, _ = io.WriteString(w, "</sitemapindex>\n")
}
