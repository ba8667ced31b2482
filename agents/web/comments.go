package web

import (
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// closedPhrases, found in a comment area, mean comments are closed.
var closedPhrases = []string{
	"comments are closed", "comments closed", "commenting is closed",
	"comments are disabled", "comments have been closed", "commenting has been disabled",
	"comments are now closed", "comments for this post are closed", "closed for comments",
}

// otherEmbeds are script or iframe sources of third-party comment systems.
var otherEmbeds = []string{
	"giscus.app", "utteranc.es", "commento", "cusdis", "remark42", "hyvor.com",
	"isso", "staticman", "graphcomment", "livefyre", "connect.facebook.net",
}

// detectComments inspects the full page (before readability strips forms
// and scripts) for a comment system and whether it is open.
func detectComments(doc *goquery.Document) CommentInfo {
	closed := doc.Find(".no-comments, .nocomments, .comments-closed, .comments-disabled").Length() > 0
	if !closed {
		doc.Find(`#comments, .comments, .comments-area, #respond, .comment-respond, #disqus_thread, section[id*="comment"], section[class*="comment"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
			t := strings.ToLower(s.Text())
			for _, p := range closedPhrases {
				if strings.Contains(t, p) {
					closed = true
					return false
				}
			}
			return true
		})
	}

	wpForm := doc.Find(`form#commentform, #respond form, form[action*="wp-comments-post.php"]`).Length() > 0
	wpArea := doc.Find(`.comments-area, .no-comments, ol.commentlist, #respond`).Length() > 0
	switch {
	case wpForm:
		return CommentInfo{Open: !closed, System: CommentsWordPress}
	case hasDisqus(doc):
		return CommentInfo{Open: !closed, System: CommentsDisqus}
	case hasNativeForm(doc):
		return CommentInfo{Open: !closed, System: CommentsNative}
	case hasOtherEmbed(doc):
		return CommentInfo{Open: !closed, System: CommentsOther}
	case wpArea:
		return CommentInfo{Open: false, System: CommentsWordPress}
	case closed:
		// A comment section of the site's own that says it is closed.
		return CommentInfo{Open: false, System: CommentsNative}
	}
	return CommentInfo{Open: false, System: CommentsNone}
}

func hasDisqus(doc *goquery.Document) bool {
	if doc.Find(`#disqus_thread, script[src*="disqus.com"]`).Length() > 0 {
		return true
	}
	found := false
	doc.Find("script:not([src])").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		t := s.Text()
		found = strings.Contains(t, "disqus_config") || strings.Contains(t, ".disqus.com/embed.js")
		return !found
	})
	return found
}

// hasNativeForm finds a form with a textarea meant for a comment.
func hasNativeForm(doc *goquery.Document) bool {
	found := false
	doc.Find("form textarea").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		name := strings.ToLower(s.AttrOr("name", "") + " " + s.AttrOr("id", ""))
		form := s.Closest("form")
		where := strings.ToLower(form.AttrOr("id", "") + " " + form.AttrOr("class", "") + " " + form.AttrOr("action", ""))
		found = strings.Contains(name, "comment") || strings.Contains(where, "comment")
		return !found
	})
	return found
}

func hasOtherEmbed(doc *goquery.Document) bool {
	if doc.Find(".fb-comments").Length() > 0 {
		return true
	}
	found := false
	doc.Find("script[src], iframe[src]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		src := strings.ToLower(s.AttrOr("src", ""))
		for _, e := range otherEmbeds {
			if strings.Contains(src, e) {
				found = true
				return false
			}
		}
		return true
	})
	return found
}
