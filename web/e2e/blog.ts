// A tiny WordPress-style blog for the crew to research in tests: a home
// page linking its RSS feed, and a few posts with open comment forms.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const topics = [
  ['Reading PostgreSQL query plans', 'query planner', 'EXPLAIN ANALYZE shows where the planner spent its estimates'],
  ['When the PostgreSQL planner picks a sequential scan', 'sequential scan', 'a sequential scan is often right for small tables'],
  ['Indexes that PostgreSQL never uses', 'index', 'an index the planner never chooses still costs writes'],
  ['Tuning PostgreSQL autovacuum for busy tables', 'autovacuum', 'autovacuum keeps statistics fresh for the planner'],
]

function post(i: number, base: string) {
  const [title, kw, lede] = topics[i]
  const para = (n: number) =>
    `<p>${lede}. In this part (${n}) we look at how PostgreSQL ${kw} decisions play out on a real database with millions of rows, ` +
    `why the query planner estimates rows the way it does, and what a DBA can do when PostgreSQL query plans go wrong. ` +
    `We measured each change with EXPLAIN (ANALYZE, BUFFERS) and kept the numbers.</p>`
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} – PG Notes</title>
<link rel="canonical" href="${base}/posts/${i + 1}/">
<meta property="og:title" content="${title}"><meta name="author" content="Dana Author">
<meta property="article:published_time" content="2026-11-0${i + 1}T10:00:00Z">
<link rel="alternate" type="application/rss+xml" title="PG Notes Feed" href="${base}/feed/"></head>
<body class="post-template-default single single-post"><article class="post hentry"><h1 class="entry-title">${title}</h1>
<p class="byline">By <span class="author vcard">Dana Author</span> on <time datetime="2026-11-0${i + 1}T10:00:00Z">November ${i + 1}, 2026</time></p>
<div class="entry-content">${[1, 2, 3, 4, 5, 6].map(para).join('\n')}</div></article>
<div id="comments" class="comments-area"><div id="respond" class="comment-respond"><h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
<p class="comment-form-comment"><label for="comment">Comment</label><textarea id="comment" name="comment" cols="45" rows="8" required></textarea></p>
<p class="comment-form-author"><label for="author">Name</label><input id="author" name="author" type="text"></p>
<p class="form-submit"><input name="submit" type="submit" id="submit" class="submit" value="Post Comment"><input type="hidden" name="comment_post_ID" value="${i + 1}"></p>
</form></div></div></body></html>`
}

function feed(base: string) {
  const items = topics
    .map(
      ([title, , lede], i) =>
        `<item><title>${title}</title><link>${base}/posts/${i + 1}/</link><guid>${base}/posts/${i + 1}/</guid>` +
        `<pubDate>${new Date(Date.UTC(2026, 10, i + 1, 10)).toUTCString()}</pubDate><description>${lede}</description></item>`,
    )
    .join('\n')
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>PG Notes</title><link>${base}/</link><description>PostgreSQL notes</description>${items}</channel></rss>`
}

/** startBlog serves the blog on a free loopback port and returns its base URL. */
export async function startBlog(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const base = `http://${req.headers.host}`
    const path = (req.url ?? '/').split('?')[0]
    const m = path.match(/^\/posts\/(\d+)\/?$/)
    if (path === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(
        `<!doctype html><html><head><title>PG Notes</title><link rel="alternate" type="application/rss+xml" href="${base}/feed/"></head><body><h1>PG Notes</h1>` +
          topics.map(([t], i) => `<a href="/posts/${i + 1}/">${t}</a>`).join(' ') +
          `</body></html>`,
      )
    } else if (path === '/feed/' || path === '/feed') {
      res.writeHead(200, { 'Content-Type': 'application/rss+xml; charset=utf-8' })
      res.end(feed(base))
    } else if (m && Number(m[1]) >= 1 && Number(m[1]) <= topics.length) {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' })
      res.end(post(Number(m[1]) - 1, base))
    } else if (path === '/robots.txt') {
      res.writeHead(200, { 'Content-Type': 'text/plain' })
      res.end('User-agent: *\nAllow: /\n')
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain' })
      res.end('not found')
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server }
}
