package web

import (
	"bytes"
	"strings"

	"github.com/PuerkitoBio/goquery"
)

// minArticleText is how much text a lone <article> needs to count as the
// page's article rather than a teaser.
const minArticleText = 400

// IsArticlePage reports whether an HTML page says it is one article:
// og:type=article, a JSON-LD Article (BlogPosting, NewsArticle, ...), or
// exactly one <article> element with real text when og:type does not say
// otherwise. Listing pages (many <article> teasers, og:type=website) are not.
func IsArticlePage(body []byte) bool {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return false
	}
	return articleSignals(doc, readJSONLD(doc).found)
}

// pageKind is KindArticle when articleSignals holds, KindListing when the
// page declares another og:type or holds several <article> elements with
// no JSON-LD Article, else "".
func pageKind(doc *goquery.Document, ldArticle bool) string {
	if articleSignals(doc, ldArticle) {
		return KindArticle
	}
	og := doc.Find(`meta[property="og:type"]`).First().AttrOr("content", "")
	if strings.TrimSpace(og) != "" || doc.Find("article").Length() >= 2 {
		return KindListing
	}
	return ""
}

// articleSignals is IsArticlePage on a parsed page; ldArticle says whether
// its JSON-LD holds an Article (read once by the caller).
func articleSignals(doc *goquery.Document, ldArticle bool) bool {
	og := strings.ToLower(strings.TrimSpace(doc.Find(`meta[property="og:type"]`).First().AttrOr("content", "")))
	if og == "article" || strings.HasPrefix(og, "article.") || og == "blog" {
		return true
	}
	if ldArticle {
		return true
	}
	if doc.Find(`[itemtype$="/BlogPosting"], [itemtype$="/Article"], [itemtype$="/NewsArticle"], [itemtype$="/TechArticle"]`).Length() == 1 {
		return true // schema.org microdata (Blogger, Jekyll's minima)
	}
	if og != "" {
		return false
	}
	arts := doc.Find("article")
	return arts.Length() == 1 && len(strings.Join(strings.Fields(arts.Text()), " ")) >= minArticleText
}
