package webtest

import (
	"net/http/httptest"
	"testing"
)

// NewLargeCorpus serves posts posts spread over four sites (three on the
// Go/PostgreSQL/database topics, one on cooking), each with an RSS feed
// at /feed.xml listing all its posts fifty a page (?page=N, with RFC 5005
// next links, as paged blog feeds do), a sitemap and a home page linking
// the newest twenty. Posts are generated on request from their index and
// never stored, and the request log is off (TotalRequests still counts),
// so the corpus's own memory does not grow with posts.
func NewLargeCorpus(t testing.TB, posts int) *Corpus {
	t.Helper()
	posts = max(posts, 4)
	c := &Corpus{seed: 7}
	topicsBySite := []string{TopicPostgres, TopicGolang, TopicDBPerf, TopicCooking}
	names := []string{"bulk-pg", "bulk-go", "bulk-perf", "bulk-cook"}
	for i, topic := range topicsBySite {
		n := posts / 4
		if i < posts%4 {
			n++
		}
		sp := &siteSpec{name: names[i], title: "Bulk " + topic, tagline: "Generated posts about " + topic + ".",
			topic: topic, index: i, meta: metaOGArticle, feedKind: "rss", feedPath: "/feed.xml", feedPage: 50,
			feedLinked: true, sitemap: true, pathStyle: "large", regular: n,
			commentStyle: func(j int) string {
				if j%3 == 0 {
					return CommentsWordPressClosed
				}
				return CommentsWordPressOpen
			}}
		site := &Site{Name: sp.name, Topic: topic, spec: sp, corpus: c}
		site.Server = httptest.NewServer(site.handler())
		t.Cleanup(site.Server.Close)
		site.URL = site.Server.URL
		site.posts = &generatedPosts{seed: c.seed, spec: sp, n: n, base: site.URL}
		c.sites = append(c.sites, site)
	}
	c.traps = newTrapServer(t, c, 0, 1)
	return c
}
