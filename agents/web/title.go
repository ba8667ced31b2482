package web

import (
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/text/unicode/norm"
)

// titleSeparators split a document title into the headline and the site's
// name, in the order they are tried.
var titleSeparators = []string{" | ", " – ", " — ", " - ", " · ", " • ", " :: ", " » ", " / ", ": "}

// genericHeadlines are JSON-LD headlines that name a kind of page, not
// the article.
var genericHeadlines = map[string]bool{
	"article": true, "blog": true, "blog post": true, "blogposting": true, "post": true, "news": true,
	"newsarticle": true, "home": true, "homepage": true, "page": true, "untitled": true, "webpage": true,
	"story": true, "entry": true,
}

// titleCandidates are the places a page names its headline.
type titleCandidates struct {
	doc, h1, og, twitter, ld string
	sites                    []string // the site's names: og:site_name, publisher, host labels
}

// readTitleCandidates collects the document title, the article's <h1>,
// og:title, twitter:title and the JSON-LD headline.
func readTitleCandidates(doc *goquery.Document, ld ldMeta, host string, sites ...string) titleCandidates {
	meta := func(sel string) string { return clean(doc.Find(sel).First().AttrOr("content", "")) }
	c := titleCandidates{
		doc:     clean(doc.Find("title").First().Text()),
		og:      meta(`meta[property="og:title"]`),
		twitter: meta(`meta[name="twitter:title"]`),
		ld:      clean(ld.title),
	}
	if genericHeadlines[strings.ToLower(c.ld)] {
		c.ld = ""
	}
	switch h := doc.Find("article h1"); {
	case h.Length() > 0:
		c.h1 = clean(h.First().Text())
	case doc.Find("h1").Length() == 1:
		c.h1 = clean(doc.Find("h1").Text())
	default:
		c.h1 = clean(doc.Find("main h1").First().Text())
	}
	for _, s := range sites {
		if s = clean(s); s != "" {
			c.sites = append(c.sites, s)
		}
	}
	for _, label := range strings.Split(strings.TrimPrefix(strings.ToLower(host), "www."), ".") {
		if len(label) >= 4 {
			c.sites = append(c.sites, label)
		}
	}
	return c
}

// reconcileTitle picks the headline the way readability does, with the
// page's own words first: the <h1> when another source agrees with it,
// else the document title without its site-name part when a social title
// agrees, else the cleaned document title, the <h1>, JSON-LD, og, twitter.
// A site-name part is cut only when it is one (it matches og:site_name,
// the publisher, a host label or a site-header <h1>) or is a "by Author"
// tail.
func reconcileTitle(c titleCandidates) string {
	h1 := c.h1
	social := []string{c.ld, c.og, c.twitter}
	if h1 != "" && (c.isSite(h1) || isTitleTail(c.doc, h1) && !anySame(h1, social)) {
		// A logo <h1> that repeats the site name; it also marks the
		// title's site-name part.
		c.sites = append(c.sites, h1)
		h1 = ""
	}
	docClean := c.stripSite(c.doc, h1)
	if h1 != "" && (sameTitle(h1, docClean) || anySame(h1, social)) {
		return h1
	}
	if docClean != "" && anySame(docClean, social) {
		return docClean
	}
	if h1 != "" && docClean != "" && (containsTitle(docClean, h1) || containsTitle(h1, docClean)) {
		return h1
	}
	return firstNonEmpty(docClean, h1, c.ld, c.og, c.twitter)
}

// stripSite removes site-name parts (and "by Author" tails) from both
// ends of a document title. A part that is the <h1> is never cut.
func (c titleCandidates) stripSite(title, h1 string) string {
	for changed := true; changed; {
		changed = false
		for _, sep := range titleSeparators {
			if i := strings.LastIndex(title, sep); i > 0 {
				head, tail := strings.TrimSpace(title[:i]), strings.TrimSpace(title[i+len(sep):])
				if head != "" && !sameTitle(tail, h1) && (c.isSite(tail) || isByTail(tail)) {
					title, changed = head, true
					break
				}
			}
			if i := strings.Index(title, sep); i > 0 {
				head, tail := strings.TrimSpace(title[:i]), strings.TrimSpace(title[i+len(sep):])
				if tail != "" && !sameTitle(head, h1) && c.isSite(head) {
					title, changed = tail, true
					break
				}
			}
		}
	}
	return title
}

// isSite reports whether s is one of the site's names: equal to one, or
// one containing the other when both are at least four characters.
func (c titleCandidates) isSite(s string) bool {
	n := normTitle(s)
	if n == "" {
		return false
	}
	for _, site := range c.sites {
		sn := normTitle(site)
		if sn == "" {
			continue
		}
		if n == sn || len([]rune(sn)) >= 4 && len([]rune(n)) >= 4 && (strings.Contains(n, sn) || strings.Contains(sn, n)) && len(n) <= 2*len(sn)+8 {
			return true
		}
	}
	return false
}

// isTitleTail reports whether part is what follows the document title's
// last separator.
func isTitleTail(title, part string) bool {
	for _, sep := range titleSeparators {
		if i := strings.LastIndex(title, sep); i > 0 && sameTitle(title[i+len(sep):], part) {
			return true
		}
	}
	return false
}

func isByTail(s string) bool {
	l := strings.ToLower(s)
	return strings.HasPrefix(l, "by ") && len(strings.Fields(s)) <= 6
}

func anySame(t string, others []string) bool {
	for _, o := range others {
		if sameTitle(t, o) {
			return true
		}
	}
	return false
}

func sameTitle(a, b string) bool {
	na, nb := normTitle(a), normTitle(b)
	return na != "" && na == nb
}

func containsTitle(long, short string) bool {
	nl, ns := normTitle(long), normTitle(short)
	return len([]rune(ns)) >= 8 && strings.Contains(nl, ns)
}

// normTitle keeps a title's letters and digits, lower-cased, so quotes,
// dashes and spacing do not matter when titles are compared.
// Accents are dropped too ("Avó" is "avo", like a host name).
func normTitle(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// clean trims s and collapses its runs of whitespace to one space; the
// ideographic space, which CJK titles use as punctuation, is kept.
func clean(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r != '\u3000' && unicode.IsSpace(r) })
	return strings.Join(f, " ")
}
