package web

import "time"

// MaxTextBytes caps Article.Text; longer text is cut at a paragraph break.
const MaxTextBytes = 100 << 10

// Comment systems reported in CommentInfo.System.
const (
	CommentsWordPress  = "wordpress"  // WordPress comment form (#respond, #commentform) or comment area
	CommentsDisqus     = "disqus"     // Disqus (disqus_thread, embed.js)
	CommentsFacebook   = "facebook"   // Facebook Comments plugin (fb-comments), not its tracking pixel
	CommentsGiscus     = "giscus"     // giscus (GitHub Discussions)
	CommentsUtterances = "utterances" // utterances (GitHub issues)
	CommentsCommento   = "commento"   // Commento
	CommentsHyvor      = "hyvor"      // Hyvor Talk
	CommentsRemark42   = "remark42"   // Remark42
	CommentsDiscourse  = "discourse"  // a Discourse topic embedded (DiscourseEmbed)
	CommentsGhost      = "ghost"      // Ghost's native comments
	CommentsSubstack   = "substack"   // Substack's native comments
	CommentsBlogger    = "blogger"    // Blogger's comment form
	CommentsNative     = "native"     // the site's own comment or reply form
	CommentsOther      = "other"      // another embed
	CommentsNone       = "none"       // no comment system found
)

// CommentSystems lists every Comments* value.
func CommentSystems() []string {
	return []string{CommentsWordPress, CommentsDisqus, CommentsFacebook, CommentsGiscus,
		CommentsUtterances, CommentsCommento, CommentsHyvor, CommentsRemark42, CommentsDiscourse, CommentsGhost,
		CommentsSubstack, CommentsBlogger, CommentsNative, CommentsOther, CommentsNone}
}

// Article is what Extract finds in a post page.
type Article struct {
	// Title is the post title, without the site-name suffix where readability can tell.
	Title string
	// Author is the byline, "" when unknown.
	Author string
	// Site is the site's name (og:site_name, publisher) or else its host.
	Site string
	// Lang is the page's language: the tag it declares (html lang,
	// og:locale, Content-Language; "en-US") unless its text is plainly in
	// another language, then the detected primary subtag ("de"); "" when
	// unknown.
	Lang string
	// Dir is the text direction, DirLTR or DirRTL: the page's dir
	// attribute, else its language's.
	Dir string
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
	// Kind is what the page says it is: KindArticle, KindListing, or ""
	// when it does not say.
	Kind string
}

// Page kinds reported in Article.Kind.
const (
	KindArticle = "article" // og:type=article, a JSON-LD Article, or one <article> with real text
	KindListing = "listing" // og:type names another kind of page, or several <article> teasers
)

// CommentInfo says whether a post takes comments and through what.
type CommentInfo struct {
	// Open is true when a visitor could leave a comment now.
	Open bool
	// System is one of the Comments* constants.
	System string
}
