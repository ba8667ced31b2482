package web

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/itlightning/dateparse"
)

// pageMeta is what the page declares about itself.
type pageMeta struct {
	site, lang, dir, description string
	published                    *time.Time
	ld                           ldMeta
}

// maxJSONLD bounds one JSON-LD script parsed for metadata.
const maxJSONLD = 64 << 10

// readMeta reads Open Graph, article:*, date, language and JSON-LD
// metadata; titles and bylines are weighed elsewhere.
func readMeta(doc *goquery.Document) pageMeta {
	metaContent := func(sel string) string {
		return strings.TrimSpace(doc.Find(sel).First().AttrOr("content", ""))
	}
	ld := readJSONLD(doc)
	html := doc.Find("html").First()
	m := pageMeta{
		ld: ld,
		site: firstNonEmpty(metaContent(`meta[property="og:site_name"]`), ld.site,
			metaContent(`meta[name="application-name"]`)),
		lang: firstNonEmpty(html.AttrOr("lang", ""), html.AttrOr("xml:lang", ""),
			metaContent(`meta[property="og:locale"]`), metaContent(`meta[http-equiv="content-language"]`),
			metaContent(`meta[http-equiv="Content-Language"]`)),
		dir:         firstNonEmpty(html.AttrOr("dir", ""), doc.Find("body").First().AttrOr("dir", ""), doc.Find("article").First().AttrOr("dir", "")),
		description: firstNonEmpty(metaContent(`meta[name="description"]`), metaContent(`meta[property="og:description"]`), ld.description),
	}
	m.published = readPublished(doc, ld, metaContent)
	return m
}

// readPublished prefers JSON-LD datePublished, then article:published_time,
// then itemprop=datePublished, then a published <time> in the article,
// then other meta dates, then the first <time datetime> of the content
// that is not marked as an update. A modified date is never taken.
func readPublished(doc *goquery.Document, ld ldMeta, metaContent func(string) string) *time.Time {
	item := doc.Find(`[itemprop~="datePublished"]`).First()
	candidates := []string{
		ld.published,
		metaContent(`meta[property="article:published_time"]`),
		firstNonEmpty(item.AttrOr("content", ""), item.AttrOr("datetime", ""), item.AttrOr("title", "")),
		doc.Find(`time[pubdate], time.published, time.entry-date.published, time.dt-published, .published time, time[itemprop~="datePublished"]`).First().AttrOr("datetime", ""),
		metaContent(`meta[name="date"]`), metaContent(`meta[name="DC.date.issued"]`),
		metaContent(`meta[name="dc.date"]`), metaContent(`meta[name="parsely-pub-date"]`),
		metaContent(`meta[name="publish-date"]`), metaContent(`meta[name="pubdate"]`),
		firstContentTime(doc),
	}
	for _, v := range candidates {
		if t := parseDate(v); t != nil {
			return t
		}
	}
	return nil
}

// firstContentTime is the first <time datetime> in the article (else the
// page) that is not an update stamp and not in comments, a sidebar or a
// footer.
func firstContentTime(doc *goquery.Document) string {
	scope := doc.Find("article").First()
	if scope.Length() == 0 {
		scope = doc.Selection
	}
	out := ""
	scope.Find("time[datetime]").EachWithBreak(func(_ int, s *goquery.Selection) bool {
		cls := strings.ToLower(s.AttrOr("class", "") + " " + s.AttrOr("itemprop", "") + " " + s.Parent().AttrOr("class", ""))
		if strings.Contains(cls, "updated") || strings.Contains(cls, "modified") ||
			s.Closest(`aside, footer, nav, #comments, .comments, .comment`).Length() > 0 && s.Closest("article").Length() == 0 {
			return true
		}
		out = s.AttrOr("datetime", "")
		return false
	})
	return out
}

// ldMeta is the part of a JSON-LD Article we use.
type ldMeta struct {
	title, author, site, published, modified, description string
	// found is true when the page has an Article-like object.
	found bool
}

// readJSONLD takes the first Article-like object from the page's JSON-LD.
func readJSONLD(doc *goquery.Document) ldMeta {
	var out ldMeta
	doc.Find(`script[type="application/ld+json"]`).EachWithBreak(func(_ int, s *goquery.Selection) bool {
		raw := s.Text()
		if len(raw) > maxJSONLD {
			return true
		}
		var v any
		if json.Unmarshal([]byte(raw), &v) != nil {
			return true
		}
		if obj := findArticleLD(v, 0); obj != nil {
			out = ldMeta{
				title:       ldString(obj["headline"]),
				author:      ldName(obj["author"]),
				site:        ldName(obj["publisher"]),
				published:   ldString(obj["datePublished"]),
				modified:    ldString(obj["dateModified"]),
				description: ldString(obj["description"]),
				found:       true,
			}
			return false
		}
		return true
	})
	return out
}

// articleTypes are the schema.org types whose metadata describes a post.
var articleTypes = map[string]bool{
	"Article": true, "BlogPosting": true, "NewsArticle": true, "TechArticle": true,
	"Report": true, "ScholarlyArticle": true, "SocialMediaPosting": true, "Posting": true,
}

// findArticleLD walks arrays and @graph lists for an Article-typed object.
func findArticleLD(v any, depth int) map[string]any {
	if depth > 4 {
		return nil
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if o := findArticleLD(e, depth+1); o != nil {
				return o
			}
		}
	case map[string]any:
		switch t := x["@type"].(type) {
		case string:
			if articleTypes[t] {
				return x
			}
		case []any:
			for _, e := range t {
				if s, ok := e.(string); ok && articleTypes[s] {
					return x
				}
			}
		}
		if g, ok := x["@graph"]; ok {
			return findArticleLD(g, depth+1)
		}
	}
	return nil
}

func ldString(v any) string {
	s, _ := v.(string)
	return strings.TrimSpace(s)
}

// ldName reads a name from a string, a {"name": ...} object or the first of a list.
func ldName(v any) string {
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x)
	case map[string]any:
		return ldString(x["name"])
	case []any:
		for _, e := range x {
			if n := ldName(e); n != "" {
				return n
			}
		}
	}
	return ""
}

// dateLayouts are tried before the permissive dateparse fallback.
var dateLayouts = []string{
	time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04",
	"2006-01-02 15:04:05", "2006-01-02", time.RFC1123Z, time.RFC1123,
}

// parseDate reads a publication date; nil when s is empty or not a plausible date.
func parseDate(s string) *time.Time {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 64 {
		return nil
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return saneTime(t)
		}
	}
	if t, err := dateparse.ParseAny(s); err == nil {
		return saneTime(t)
	}
	return nil
}

// saneTime keeps dates between 1990 and ten years from now, in UTC.
func saneTime(t time.Time) *time.Time {
	if t.Year() < 1990 || t.After(time.Now().AddDate(10, 0, 0)) {
		return nil
	}
	t = t.UTC()
	return &t
}
