// Package web is the crew's polite window on the open web.
//
// A Fetcher downloads pages one request at a time per host with a delay
// between requests, obeys robots.txt (including Crawl-delay), caps time,
// size and redirects, sends an honest User-Agent and refuses to connect to
// loopback, private, link-local and cloud-metadata addresses (checked on
// the resolved IP at dial time and on every redirect). Discover turns a
// seed URL into candidate posts from its feeds, sitemaps or same-site
// links; Extract turns an HTML page into an Article with its main text,
// metadata and whether it takes comments; CanonicalURL gives the key posts
// are deduplicated by.
//
// The package keeps no page bodies: each in-flight fetch holds at most one
// body of at most Config.MaxBodyBytes, and the Fetcher's own state grows
// with the number of hosts, not of pages.
package web
