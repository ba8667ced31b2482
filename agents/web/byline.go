package web

import (
	"strings"
	"unicode"

	"github.com/PuerkitoBio/goquery"
)

// junkNames are author values that name a role, a label or a placeholder,
// not a person.
var junkNames = map[string]bool{
	"admin": true, "administrator": true, "author": true, "authors": true, "staff": true, "editor": true,
	"editors": true, "editorial": true, "unknown": true, "guest": true, "anonymous": true, "webmaster": true,
	"user": true, "root": true, "name": true, "your name": true, "your name here": true, "author name": true,
	"firstname lastname": true, "first last": true, "first name last name": true, "john doe": true, "jane doe": true,
	"web desk": true, "news desk": true, "desk": true, "staff writer": true, "rédaction": true, "redaction": true,
	"redacción": true, "redaktion": true, "redazione": true, "team": true, "contributor": true, "wordpress": true,
	"blogger": true, "medium": true, "posted by": true, "by": true, "written by": true, "lorem ipsum": true,
	"default": true, "null": true, "undefined": true, "none": true, "n/a": true,
}

// labelSuffixes end author values that name a desk or a team.
var labelSuffixes = []string{" staff", " team", " desk", " newsroom", " editors", " editorial", " redaktion"}

// bylinePrefixes introduce a byline's name.
var bylinePrefixes = []string{"posted by ", "written by ", "published by ", "words by ", "story by ", "by ",
	"par ", "por ", "von ", "di ", "door ", "av ", "بقلم ", "كتب ", "מאת "}

// bylineCutters end the name inside a visible byline.
var bylineCutters = []string{" · ", " | ", " - ", " — ", " – ", " » ", ", ", " on ", " le ", " am ", " el "}

// authorCandidate is one place a page names its author, weighted by how
// much that place is trusted.
type authorCandidate struct {
	name   string
	weight int
}

// readAuthor weighs the page's author sources (JSON-LD author, rel=author,
// itemprop=author, the visible byline, meta author, article:author,
// readability's byline) and returns the best-supported value that is a
// name; "" when none is.
func readAuthor(doc *goquery.Document, ld ldMeta, readabilityByline string, sites []string) string {
	meta := func(sel string) string { return clean(doc.Find(sel).First().AttrOr("content", "")) }
	var cands []authorCandidate
	add := func(v string, w int) {
		if v = cleanByline(v); isName(v, sites) {
			cands = append(cands, authorCandidate{v, w})
		}
	}
	add(ld.author, 3)
	outsideComments := func(s *goquery.Selection) bool {
		return s.Closest(`#comments, .comments, .comment, .comments-area, .comment-list, .comments-section, #discussion`).Length() == 0
	}
	doc.Find(`[itemprop~="author"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if !outsideComments(s) {
			return true
		}
		v := s.Find(`[itemprop~="name"]`).First()
		name := firstNonEmpty(v.AttrOr("content", ""), v.Text(), s.AttrOr("content", ""))
		if v.Length() == 0 {
			name = firstNonEmpty(s.AttrOr("content", ""), s.Text())
		}
		add(name, 2)
		return false
	})
	doc.Find(`a[rel~="author"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if !outsideComments(s) {
			return true
		}
		add(s.Text(), 2)
		return false
	})
	doc.Find(`.byline, .author, .post-author, .entry-author, .author-name, .story-byline, .p-author, [class*="byline"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		if !outsideComments(s) || s.Closest("footer, aside, nav").Length() > 0 && s.Closest("article").Length() == 0 {
			return true
		}
		if v := cleanByline(s.Text()); isName(v, sites) {
			add(v, 2)
			return false
		}
		return true
	})
	add(meta(`meta[name="author"]`), 1)
	if a := meta(`meta[property="article:author"]`); !strings.Contains(a, "://") {
		add(a, 1)
	}
	if strings.EqualFold(meta(`meta[name="twitter:label1"]`), "written by") {
		add(meta(`meta[name="twitter:data1"]`), 1)
	}
	add(readabilityByline, 1)

	score := map[string]int{}
	var order []string
	for _, c := range cands {
		k := strings.ToLower(c.name)
		if _, ok := score[k]; !ok {
			order = append(order, c.name)
		}
		score[k] += c.weight
	}
	best, bestScore := "", 0
	for _, n := range order {
		if s := score[strings.ToLower(n)]; s > bestScore {
			best, bestScore = n, s
		}
	}
	return best
}

// cleanByline strips a byline's lead-in ("By ", "Posted by", "Par") and
// what follows the name (a date, a role, reading time).
func cleanByline(s string) string {
	s = clean(s)
	for again := true; again; {
		again = false
		l := strings.ToLower(s)
		for _, p := range bylinePrefixes {
			if strings.HasPrefix(l, p) && len(s) > len(p) {
				s, again = strings.TrimSpace(s[len(p):]), true
				break
			}
		}
	}
	for _, c := range bylineCutters {
		if i := strings.Index(s, c); i > 0 {
			s = strings.TrimSpace(s[:i])
		}
	}
	return strings.Trim(s, " ,;:|·•-–—")
}

// isName reports whether s can be a person's (or a handle's) name: one to
// six words with letters, no address or link, not a label, placeholder or
// the site's own name.
func isName(s string, sites []string) bool {
	if s == "" || len(s) > 80 || strings.ContainsAny(s, "@/<>{}=") {
		return false
	}
	words := strings.Fields(s)
	if len(words) > 6 {
		return false
	}
	letters, digits := 0, 0
	for _, r := range s {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			digits++
		}
	}
	if letters < 2 || digits > letters {
		return false
	}
	l := strings.ToLower(s)
	if junkNames[l] {
		return false
	}
	for _, suf := range labelSuffixes {
		if strings.HasSuffix(l, suf) {
			return false
		}
	}
	for _, site := range sites {
		if n := normTitle(site); n != "" && n == normTitle(s) {
			return false
		}
	}
	return true
}
