package web

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// errNotFeed reports a document that is not RSS, Atom or JSON Feed.
var errNotFeed = errors.New("not a feed")

// titleBytes caps a feed item's title.
const titleBytes = 300

// feedItem is the part of one feed entry discovery needs.
type feedItem struct {
	Link      string
	Title     string
	Published *time.Time
}

// readFeed streams an RSS (0.9x, 1.0/RDF, 2.0), Atom or JSON Feed document
// from r, calling yield for each item in document order; yield returns
// false to stop. site is the feed's own site link when the feed names one
// before its items (for resolving relative item links), else "". Only one
// item is held at a time, so memory does not grow with the feed's length.
// next is the feed's next page, when it names one (RFC 5005
// <link rel="next">, JSON Feed's next_url) before reading stopped.
func readFeed(r io.Reader, yield func(site string, it feedItem) bool) (next string, err error) {
	br := buffered(r)
	first, err := firstByte(br)
	if err != nil {
		return "", errNotFeed
	}
	if first == '{' {
		return readJSONFeed(br, yield)
	}
	return readXMLFeed(br, yield)
}

// buffered is r as a *bufio.Reader, wrapping it only when it is not one
// already (Fetcher.Stream hands over a buffered body).
func buffered(r io.Reader) *bufio.Reader {
	if br, ok := r.(*bufio.Reader); ok {
		return br
	}
	return bufio.NewReader(r)
}

// newXMLDecoder is a lenient decoder for documents from the web: not
// strict, and reading any charset the document declares.
func newXMLDecoder(r io.Reader) *xml.Decoder {
	dec := xml.NewDecoder(r)
	dec.Strict = false
	dec.CharsetReader = charset.NewReaderLabel
	return dec
}

// firstByte peeks at the first byte after a BOM and whitespace.
func firstByte(br *bufio.Reader) (byte, error) {
	if bom, err := br.Peek(3); err == nil && bytes.Equal(bom, []byte{0xEF, 0xBB, 0xBF}) {
		_, _ = br.Discard(3)
	}
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		}
		return b, br.UnreadByte()
	}
}

// readXMLFeed walks an RSS, RDF or Atom document token by token.
func readXMLFeed(r io.Reader, yield func(string, feedItem) bool) (next string, err error) {
	dec := newXMLDecoder(r)
	dec.Entity = xml.HTMLEntity

	var site string
	depth := 0 // depth of the last start element read; the root is 1
	rooted := false
	for {
		tok, err := dec.Token()
		if err == io.EOF && rooted {
			return next, nil
		}
		if err != nil {
			if !rooted {
				return "", errNotFeed
			}
			return next, fmt.Errorf("read feed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			name := strings.ToLower(t.Name.Local)
			if depth == 1 {
				if name != "rss" && name != "rdf" && name != "feed" {
					return "", errNotFeed
				}
				rooted = true
				continue
			}
			switch {
			case name == "item" || name == "entry":
				it, err := readXMLItem(dec)
				depth--
				if err != nil {
					return next, fmt.Errorf("read feed item: %w", err)
				}
				if !yield(site, it) {
					return next, nil
				}
			case name == "link" && depth <= 3:
				// <channel><link> or <atom:link rel=next> in RSS,
				// <feed><link rel=alternate|next> in Atom.
				isNext := strings.EqualFold(attr(t, "rel"), "next")
				href := strings.TrimSpace(attr(t, "href"))
				l, err := linkOf(dec, t)
				depth--
				if err != nil {
					return next, fmt.Errorf("read feed link: %w", err)
				}
				switch {
				case isNext && href != "" && next == "":
					next = href
				case site == "":
					site = l
				}
			}
		case xml.EndElement:
			depth--
		}
	}
}

// readXMLItem reads one <item> or <entry> whose start tag was just read.
func readXMLItem(dec *xml.Decoder) (feedItem, error) {
	var it feedItem
	var link, guid, published, updated string
	for {
		tok, err := dec.Token()
		if err != nil {
			return it, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			if link == "" && strings.HasPrefix(guid, "http") {
				link = guid
			}
			it.Link = link
			it.Published = parseDate(firstNonEmpty(published, updated))
			return it, nil
		case xml.StartElement:
			var err error
			switch strings.ToLower(t.Name.Local) {
			case "title":
				var s string
				if s, err = textOf(dec, 4*titleBytes); it.Title == "" {
					it.Title = capText(plainText(s), titleBytes)
				}
			case "link":
				var l string
				if l, err = linkOf(dec, t); link == "" {
					link = l
				}
			case "guid", "id":
				var s string
				s, err = textOf(dec, 2048)
				if guid == "" && attr(t, "isPermaLink") != "false" {
					guid = strings.TrimSpace(s)
				}
			case "pubdate", "published", "issued", "date":
				var s string
				if s, err = textOf(dec, 128); published == "" {
					published = s
				}
			case "updated", "modified":
				var s string
				if s, err = textOf(dec, 128); updated == "" {
					updated = s
				}
			default:
				err = dec.Skip()
			}
			if err != nil {
				return it, err
			}
		}
	}
}

// linkOf reads a <link>: Atom's href (alternate or no rel) or RSS's text.
func linkOf(dec *xml.Decoder, t xml.StartElement) (string, error) {
	href, rel := attr(t, "href"), strings.ToLower(attr(t, "rel"))
	text, err := textOf(dec, 2048)
	if err != nil {
		return "", err
	}
	if href != "" {
		if rel == "" || rel == "alternate" {
			return strings.TrimSpace(href), nil
		}
		return "", nil
	}
	return strings.TrimSpace(text), nil
}

// textOf reads an element's text (nested elements included) up to its end
// tag, keeping at most limit bytes.
func textOf(dec *xml.Decoder, limit int) (string, error) {
	var b strings.Builder
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if room := limit - b.Len(); room > 0 {
				b.Write(t[:min(len(t), room)])
			}
		}
	}
	return b.String(), nil
}

func attr(t xml.StartElement, name string) string {
	for _, a := range t.Attr {
		if strings.EqualFold(a.Name.Local, name) {
			return a.Value
		}
	}
	return ""
}

// jsonFeedItem is the part of a JSON Feed item discovery reads.
type jsonFeedItem struct {
	ID            json.RawMessage `json:"id"`
	URL           string          `json:"url"`
	ExternalURL   string          `json:"external_url"`
	Title         string          `json:"title"`
	DatePublished string          `json:"date_published"`
	DateModified  string          `json:"date_modified"`
}

// readJSONFeed walks a JSON Feed's top-level object, decoding one item at
// a time.
func readJSONFeed(r io.Reader, yield func(string, feedItem) bool) (next string, err error) {
	dec := json.NewDecoder(r)
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", errNotFeed
	}
	var site string
	sawVersion := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return next, fmt.Errorf("read JSON feed: %w", err)
		}
		key, _ := tok.(string)
		switch key {
		case "version":
			var v string
			if err := dec.Decode(&v); err != nil || !strings.Contains(v, "jsonfeed.org") {
				return "", errNotFeed
			}
			sawVersion = true
		case "home_page_url":
			if err := dec.Decode(&site); err != nil {
				return next, fmt.Errorf("read JSON feed: home_page_url: %w", err)
			}
		case "next_url":
			if err := dec.Decode(&next); err != nil {
				return "", fmt.Errorf("read JSON feed: next_url: %w", err)
			}
		case "items":
			if !sawVersion {
				return "", errNotFeed
			}
			if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
				return next, fmt.Errorf("read JSON feed: items is not an array")
			}
			for dec.More() {
				var ji jsonFeedItem
				if err := dec.Decode(&ji); err != nil {
					return next, fmt.Errorf("read JSON feed item: %w", err)
				}
				var id string
				_ = json.Unmarshal(ji.ID, &id)
				link := firstNonEmpty(ji.URL, ji.ExternalURL)
				if link == "" && strings.HasPrefix(id, "http") {
					link = id
				}
				it := feedItem{
					Link:      link,
					Title:     capText(firstNonEmpty(ji.Title), titleBytes),
					Published: parseDate(firstNonEmpty(ji.DatePublished, ji.DateModified)),
				}
				if !yield(site, it) {
					return next, nil
				}
			}
			if _, err := dec.Token(); err != nil { // the closing ]
				return next, fmt.Errorf("read JSON feed: %w", err)
			}
		default:
			var skip json.RawMessage
			if err := dec.Decode(&skip); err != nil {
				return next, fmt.Errorf("read JSON feed: %s: %w", key, err)
			}
		}
	}
	if !sawVersion {
		return "", errNotFeed
	}
	return next, nil
}
