// Package webtest serves a realistic local blog corpus for tests and
// benchmarks of the web package and the agents that use it.
//
// NewCorpus starts one httptest server per site (so each is its own host:
// 127.0.0.1 on its own port) with feeds, sitemaps, robots.txt, posts with
// open and closed comments, tracking-parameter duplicates, an off-topic
// site and trap pages (slow, huge, redirects to private and metadata
// addresses). Every request is recorded server-side so tests can prove
// what was and was not fetched. NewLargeCorpus generates thousands of
// posts on request, holding none of them in memory.
//
// Fetchers pointed at a corpus need AllowPrivate (or an allowed prefix
// for 127.0.0.1/32), since the servers listen on loopback.
package webtest
