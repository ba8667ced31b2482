package web

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// closedPhrases, found in a comment area or a thread's notices, mean
// comments are closed (or not open to a passing visitor).
var closedPhrases = []string{
	"comments are closed", "comments closed", "commenting is closed", "comments are disabled",
	"comments have been closed", "commenting has been disabled", "comments are now closed",
	"comments for this post are closed", "closed for comments", "comments are turned off",
	"comments are restricted to paid subscribers", "only paid subscribers can comment",
	"this topic is locked", "this thread has been locked", "this thread is closed", "closed to new replies",
	"commentaires sont fermés", "kommentare sind geschlossen", "comentarios están cerrados",
}

// commentMarker is one comment system's real markers: elements present
// only where that system's thread or form is.
type commentMarker struct {
	system string
	sel    string   // a CSS selector for its container, form or embed
	inline []string // words in an inline script that load it
}

// commentMarkers are tried in order; tracking scripts (Facebook's
// fbevents.js, its SDK without a comments plugin) are deliberately absent.
var commentMarkers = []commentMarker{
	{CommentsWordPress, `form#commentform, form[action*="wp-comments-post.php"], #respond form.comment-form`, nil},
	{CommentsDisqus, `#disqus_thread, script[src*=".disqus.com/embed.js"]`, []string{"disqus_config", ".disqus.com/embed.js"}},
	{CommentsFacebook, `.fb-comments, iframe[src*="facebook.com/plugins/comments"], fb\:comments`, nil},
	{CommentsGiscus, `script[src*="giscus.app/client.js"], giscus-widget`, nil},
	{CommentsUtterances, `script[src*="utteranc.es/client.js"]`, nil},
	{CommentsCommento, `#commento, script[src*="commento.io/js/commento.js"], script[src*="/js/commento.js"]`, nil},
	{CommentsHyvor, `hyvor-talk-comments, #hyvor-talk-view, script[src*="talk.hyvor.com"]`, nil},
	{CommentsRemark42, `#remark42`, []string{"remark_config"}},
	{CommentsDiscourse, `#discourse-comments`, []string{"DiscourseEmbed"}},
	{CommentsGhost, `script[data-ghost-comments], script[src*="ghost/comments-ui"]`, nil},
	{CommentsBlogger, `iframe#comment-editor, iframe[src*="blogger.com/comment"], a#comment-editor-src`, nil},
	{CommentsSubstack, `.comments-section, #discussion .comments-page`, nil},
	{CommentsOther, `#isso-thread, script[data-isso], script[src*="cusdis.com"], #cusdis_thread, script[src*="graphcomment.com"], #coral_thread`, nil},
}

// detectComments inspects the full page (before readability strips forms
// and scripts) for the comment system it uses, by that system's own
// markers, and whether a visitor could comment now.
func detectComments(doc *goquery.Document) CommentInfo {
	closed := doc.Find(".no-comments, .nocomments, .comments-closed, .comments-disabled, .comments-paywall, .locked-notice").Length() > 0 ||
		hasClosedNotice(doc)
	for _, m := range commentMarkers {
		if m.system == CommentsSubstack && !isSubstack(doc) {
			continue
		}
		if doc.Find(m.sel).Length() > 0 || inlineScriptHas(doc, m.inline) {
			open := !closed
			if m.system == CommentsGhost {
				open = open && !strings.EqualFold(doc.Find(`script[data-ghost-comments]`).AttrOr("data-comments-enabled", "all"), "off")
			}
			return CommentInfo{Open: open, System: m.system}
		}
	}
	switch {
	case hasNativeForm(doc):
		return CommentInfo{Open: !closed, System: CommentsNative}
	case doc.Find(`.comments-area, ol.commentlist, ol.comment-list, #respond`).Length() > 0:
		// WordPress's comment area without its form: closed.
		return CommentInfo{Open: false, System: CommentsWordPress}
	case closed:
		// The site's own comments or replies, closed.
		return CommentInfo{Open: false, System: CommentsNative}
	}
	return CommentInfo{Open: false, System: CommentsNone}
}

// hasClosedNotice finds a closed-comments phrase in a comment area or a
// thread's notices.
func hasClosedNotice(doc *goquery.Document) bool {
	closed := false
	doc.Find(`#comments, .comments, .comments-area, #respond, .comment-respond, #disqus_thread, #discussion, .comments-section, section[id*="comment"], section[class*="comment"], .action-bar, .topic-actions, .notice`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		t := strings.ToLower(s.Text() + " " + s.Find("[title]").AttrOr("title", ""))
		for _, p := range closedPhrases {
			if strings.Contains(t, p) {
				closed = true
				return false
			}
		}
		return true
	})
	return closed
}

// inlineScriptHas reports whether an inline script names one of words.
func inlineScriptHas(doc *goquery.Document, words []string) bool {
	if len(words) == 0 {
		return false
	}
	found := false
	doc.Find("script:not([src])").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		t := s.Text()
		for _, w := range words {
			if strings.Contains(t, w) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}

// isSubstack recognises a Substack page by its CDN.
func isSubstack(doc *goquery.Document) bool {
	return doc.Find(`link[href*="substackcdn.com"], script[src*="substackcdn.com"]`).Length() > 0
}

// hasNativeForm finds a form with a textarea meant for a comment or a
// reply (a contact form's message box is not one).
func hasNativeForm(doc *goquery.Document) bool {
	found := false
	doc.Find("form textarea").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		name := strings.ToLower(s.AttrOr("name", "") + " " + s.AttrOr("id", ""))
		form := s.Closest("form")
		where := strings.ToLower(form.AttrOr("id", "") + " " + form.AttrOr("class", "") + " " + form.AttrOr("action", ""))
		found = strings.Contains(name, "comment") || strings.Contains(where, "comment") ||
			strings.Contains(where, "reply") && !strings.Contains(where, "contact")
		return !found
	})
	return found
}
