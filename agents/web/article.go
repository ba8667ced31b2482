package web

import "time"

// MaxTextBytes caps Article.Text; longer text is cut at a paragraph break.
const MaxTextBytes = 100 << 10

// Comment systems reported in CommentInfo.System.
const (
	CommentsWordPress = "wordpress" // WordPress comment form or comment area
	CommentsDisqus    = "disqus"    // Disqus embed
	CommentsNative    = "native"    // the site's own form with a comment textarea
	CommentsOther     = "other"     // another embed (giscus, utterances, Commento, ...)
	CommentsNone      = "none"      // no comment system found
)

// Article is what Extract finds in a post page.
type Article struct {
	// Title is the post title, without the site-name suffix where readability can tell.
	Title string
	// Author is the byline, "" when unknown.
	Author string
	// Site is the site's name (og:site_name, publisher) or else its host.
	Site string
	// Lang is the page's language tag as declared ("en", "en-US"), "" when unknown.
	Lang string
	// Published is the publication time in UTC, nil when unknown.
	Published *time.Time
	// Text is the main text: paragraphs separated by blank lines, at most MaxTextBytes.
	Text string
	// Excerpt is the page's description or else the opening of Text.
	Excerpt string
	// CanonicalURL is the page's canonical link when same-site, else its normalised URL.
	CanonicalURL string
	// Comments says whether and how the post takes comments.
	Comments CommentInfo
}

// CommentInfo says whether a post takes comments and through what.
type CommentInfo struct {
	// Open is true when a visitor could leave a comment now.
	Open bool
	// System is one of the Comments* constants.
	System string
}
