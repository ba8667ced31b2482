package main

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// blogPosts is how many posts the mixed scenario's local blog has.
const blogPosts = 8

// blogTopics are the subjects of the blog's posts, one a post in turn;
// the mixed scenario's campaigns look for them.
var blogTopics = []string{
	"partial indexes", "query plans", "index-only scans", "covering indexes",
	"vacuum and bloat", "connection pooling", "prepared statements", "BRIN indexes",
}

// blogSentences are put together into each post's paragraphs.
var blogSentences = []string{
	"PostgreSQL chooses a plan for every query from the statistics it keeps about each table.",
	"An index that matches the query's filter and its sort order spares the server a sort step.",
	"EXPLAIN ANALYZE shows the estimated and the actual row counts side by side, and the gap between them is where to look first.",
	"A partial index only covers the rows a query asks for, so it stays small and fast to update.",
	"Autovacuum keeps the visibility map current, which is what lets an index-only scan skip the heap.",
	"A connection pool in front of the database keeps the number of backends low under a burst of clients.",
	"Prepared statements save the planning time of a query that runs thousands of times a minute.",
	"A BRIN index summarises ranges of pages and suits a large append-only table ordered by time.",
	"Measure before and after every change: a new index also slows every insert and update a little.",
	"The slow query log and pg_stat_statements together tell you which query to index first.",
}

// blogHandler serves a small local blog for the crew to research: a home
// page linking an RSS feed and every post, robots.txt, and posts about
// PostgreSQL indexes and queries with an open comment form.
func blogHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var links strings.Builder
		for i := range blogPosts {
			fmt.Fprintf(&links, "<li><a href=\"/posts/%d\">%s</a></li>\n", i, html.EscapeString(blogTitle(i)))
		}
		fmt.Fprintf(w, `<!doctype html><html><head><title>Database notes</title>
<link rel="alternate" type="application/rss+xml" title="Database notes" href="/feed.xml"></head>
<body><h1>Database notes</h1><p>Notes on PostgreSQL indexes, query plans and performance.</p><ul>%s</ul></body></html>`, links.String())
	})
	mux.HandleFunc("GET /feed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		base := "http://" + r.Host
		var items strings.Builder
		for i := range blogPosts {
			fmt.Fprintf(&items, "<item><title>%s</title><link>%s/posts/%d</link><guid>%s/posts/%d</guid><pubDate>%s</pubDate><description>%s</description></item>\n",
				html.EscapeString(blogTitle(i)), base, i, base, i, blogDate(i).Format(time.RFC1123Z), html.EscapeString(blogSentences[i%len(blogSentences)]))
		}
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Database notes</title><link>%s/</link><description>PostgreSQL notes</description>%s</channel></rss>`, base, items.String())
	})
	mux.HandleFunc("GET /posts/{n}", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.PathValue("n"))
		if err != nil || n < 0 || n >= blogPosts {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		var body strings.Builder
		for p := range 6 {
			body.WriteString("<p>")
			for s := range 4 {
				body.WriteString(html.EscapeString(blogSentences[(n+p*3+s)%len(blogSentences)]) + " ")
			}
			body.WriteString("</p>\n")
		}
		fmt.Fprintf(w, `<!doctype html><html><head><title>%s</title>
<link rel="canonical" href="http://%s/posts/%d">
<meta property="article:published_time" content="%s"></head>
<body><article><h1>%s</h1><p>Why %s matter for PostgreSQL query performance.</p>%s</article>
<section id="comments"><h2>Leave a comment</h2><form action="/posts/%d/comment" method="post"><textarea name="comment"></textarea><button>Post comment</button></form></section>
</body></html>`, html.EscapeString(blogTitle(n)), r.Host, n, blogDate(n).Format(time.RFC3339), html.EscapeString(blogTitle(n)), blogTopics[n%len(blogTopics)], body.String(), n)
	})
	return mux
}

func blogTitle(i int) string {
	return "PostgreSQL " + blogTopics[i%len(blogTopics)] + ": what the query planner does"
}

func blogDate(i int) time.Time {
	return time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2*i-1)
}
