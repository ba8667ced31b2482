package webtest

import (
	"fmt"
	"time"
)

// Comment styles a generated post can have.
const (
	CommentsWordPressOpen   = "wordpress-open"
	CommentsWordPressClosed = "wordpress-closed"
	CommentsDisqus          = "disqus"
	CommentsNativeOpen      = "native-open"
	CommentsNativeClosed    = "native-closed"
	CommentsGiscus          = "giscus"
	CommentsNone            = "none"
)

// Post is one generated post and what extraction should find in it.
type Post struct {
	// URL is the post's canonical URL.
	URL string
	// Path is URL's path on its site.
	Path string
	// Site is the Site.Name the post belongs to.
	Site string
	// Topic is one of the Topic* constants.
	Topic string
	// Title, Author and Published are the post's metadata.
	Title     string
	Author    string
	Published time.Time
	// Sections are the body: paragraphs, and headings prefixed "## ".
	Sections []string
	// Comments is one of the Comments* styles.
	Comments string
	// Relevant is true for posts on the Go/PostgreSQL/database topics.
	Relevant bool
	// Disallowed is true for posts under a path robots.txt disallows.
	Disallowed bool
}

// CommentsOpen says whether a visitor could comment on the post.
func (p Post) CommentsOpen() bool {
	switch p.Comments {
	case CommentsWordPressOpen, CommentsDisqus, CommentsNativeOpen, CommentsGiscus:
		return true
	}
	return false
}

// CommentSystem is the system web.Extract should report for the post.
func (p Post) CommentSystem() string {
	switch p.Comments {
	case CommentsWordPressOpen, CommentsWordPressClosed:
		return "wordpress"
	case CommentsDisqus:
		return "disqus"
	case CommentsNativeOpen, CommentsNativeClosed:
		return "native"
	case CommentsGiscus:
		return "giscus"
	}
	return "none"
}

// FirstParagraph is the post's first paragraph, which every extraction
// of its main text must contain.
func (p Post) FirstParagraph() string {
	for _, s := range p.Sections {
		if len(s) < 3 || s[:3] != "## " {
			return s
		}
	}
	return ""
}

// generatePost builds post number i of a site deterministically; without
// body its Sections are empty.
func generatePost(seed uint64, site *siteSpec, i int, withBody bool) Post {
	g := newTextGen(site.topic, seed, uint64(site.index)<<32|uint64(i))
	title := g.title()
	slug := fmt.Sprintf("%s-%d", slugify(title), i+1)
	published := time.Date(2025, 6, 1, 9, 30, 0, 0, time.UTC).Add(-time.Duration(i*3+site.index) * 24 * time.Hour)
	p := Post{
		Site:      site.name,
		Topic:     site.topic,
		Title:     title,
		Author:    authors[(site.index*3+i)%len(authors)],
		Published: published,
		Relevant:  site.topic != TopicCooking,
	}
	if withBody {
		p.Sections = g.body()
	}
	p.Path = site.postPath(p, slug)
	if site.disallowed > 0 && i >= site.regular {
		p.Disallowed = true
		p.Path = site.disallowPrefix + slug
	}
	p.Comments = site.comments(i)
	return p
}
