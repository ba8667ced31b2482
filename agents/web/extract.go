package web

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"codeberg.org/readeck/go-readability/v2"
	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
)

// Extract reads an HTML post page: title, author, date, site, language,
// main text (readability), excerpt, canonical URL and comment system
// (goquery, on the page before readability cleans it). pageURL resolves
// relative links and names the site when the page does not. It fails with
// ErrNoContent when the page has no readable text.
func Extract(pageURL string, body []byte) (*Article, error) {
	return extract(pageURL, body, "")
}

// ExtractPage is Extract on a fetched Page, using its final URL and the
// charset of its Content-Type.
func ExtractPage(p *Page) (*Article, error) {
	return extract(p.FinalURL, p.Body, p.ContentType)
}

func extract(pageURL string, body []byte, contentType string) (*Article, error) {
	u, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil {
		return nil, fmt.Errorf("extract %q: %w", pageURL, err)
	}
	body = toUTF8(body, contentType)
	doc, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("extract %s: parse html: %w", u, err)
	}
	gq := goquery.NewDocumentFromNode(doc)
	m := readMeta(gq)
	sites := []string{m.site, m.ld.site, gq.Find(`meta[name="application-name"]`).AttrOr("content", "")}
	titles := readTitleCandidates(gq, m.ld, u.Hostname(), sites...)
	a := &Article{
		Comments:     detectComments(gq),
		Kind:         pageKind(gq, m.ld.found),
		CanonicalURL: CanonicalURL(pageURL),
		Title:        reconcileTitle(titles),
		Author:       readAuthor(gq, m.ld, "", titles.sites),
	}
	if c, ok := CanonicalFromHTML(pageURL, body); ok {
		a.CanonicalURL = c
	}

	// readability rewrites the tree, so it runs after goquery is done.
	parser := readability.NewParser()
	art, rerr := parser.ParseAndMutate(doc, u)
	var text string
	if rerr == nil && art.Node != nil {
		var b strings.Builder
		if err := art.RenderText(&b); err == nil {
			text = b.String()
		}
	}
	text = normaliseText(text)
	if text == "" {
		text = fallbackText(body)
	}
	if text == "" {
		return nil, fmt.Errorf("extract %s: %w", u, ErrNoContent)
	}
	a.Text = capText(text, MaxTextBytes)

	if a.Title == "" {
		a.Title = clean(art.Title())
	}
	if a.Author == "" {
		if b := cleanByline(art.Byline()); isName(b, titles.sites) {
			a.Author = b
		}
	}
	a.Site = firstNonEmpty(m.site, art.SiteName(), strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."))
	a.Lang = resolveLanguage(firstNonEmpty(m.lang, art.Language()), a.Title+"\n\n"+a.Text)
	a.Dir = directionOf(m.dir, a.Lang)
	a.Excerpt = capText(firstNonEmpty(m.description, art.Excerpt(), firstParagraph(a.Text)), 500)
	a.Published = m.published
	if a.Published == nil {
		if t, err := art.PublishedTime(); err == nil {
			a.Published = saneTime(t)
		}
	}
	return a, nil
}

// toUTF8 decodes body from its declared or sniffed charset.
func toUTF8(body []byte, contentType string) []byte {
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || enc == nil {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}

// fallbackText collects paragraphs when readability finds nothing.
func fallbackText(body []byte) string {
	doc, err := goquery.NewDocumentFromReader(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	doc.Find("script, style, noscript, template, nav, header, footer, form").Remove()
	root := doc.Find("article").First()
	if root.Length() == 0 {
		root = doc.Find("main").First()
	}
	if root.Length() == 0 {
		root = doc.Find("body")
	}
	var paras []string
	root.Find("p, h1, h2, h3, li, pre, blockquote").Each(func(_ int, s *goquery.Selection) {
		if t := strings.Join(strings.Fields(s.Text()), " "); t != "" {
			paras = append(paras, t)
		}
	})
	if len(paras) == 0 {
		paras = append(paras, strings.Join(strings.Fields(root.Text()), " "))
	}
	return normaliseText(strings.Join(paras, "\n\n"))
}

// normaliseText trims lines and collapses blank-line runs to one.
func normaliseText(s string) string {
	var b strings.Builder
	blank := false
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			blank = b.Len() > 0
			continue
		}
		if b.Len() > 0 {
			if blank {
				b.WriteString("\n\n")
			} else {
				b.WriteByte('\n')
			}
		}
		blank = false
		b.WriteString(line)
	}
	return b.String()
}

// capText cuts s to at most n bytes, at a paragraph break when one falls
// in the second half, else at a rune boundary.
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := s[:n]
	if i := strings.LastIndex(cut, "\n\n"); i >= n/2 {
		return cut[:i]
	}
	i := n
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return strings.TrimSpace(s[:i])
}

func firstParagraph(text string) string {
	p, _, _ := strings.Cut(text, "\n\n")
	return p
}

func firstNonEmpty(vals ...string) string {
	for _, v := range vals {
		if v = strings.Join(strings.Fields(v), " "); v != "" {
			return v
		}
	}
	return ""
}
