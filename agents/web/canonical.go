package web

import (
	"bytes"
	"net"
	"net/netip"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/publicsuffix"
)

// trackingParams are query parameters that only track a click; they are
// dropped from canonical URLs (as is every utm_* and hsa_* parameter).
var trackingParams = map[string]bool{
	"fbclid": true, "gclid": true, "dclid": true, "gbraid": true, "wbraid": true,
	"msclkid": true, "yclid": true, "twclid": true, "ttclid": true, "li_fat_id": true,
	"mc_cid": true, "mc_eid": true, "ref": true, "ref_src": true, "ref_url": true,
	"_hsenc": true, "_hsmi": true, "igshid": true, "mkt_tok": true, "spm": true,
	"share": true, "vero_id": true, "oly_anon_id": true, "oly_enc_id": true,
	"rb_clickid": true, "s_cid": true, "_ga": true, "_gl": true,
}

func isTrackingParam(k string) bool {
	k = strings.ToLower(k)
	return trackingParams[k] || strings.HasPrefix(k, "utm_") || strings.HasPrefix(k, "hsa_")
}

// CanonicalURL normalises raw for deduplication only (RFC 3986 section 6.2.2
// plus a little): lower-case scheme and host, no default port, no user
// info, no fragment, percent-encodings upper-cased and those of unreserved
// characters decoded, dot segments removed (RFC 3986 section 5.2.4, so a
// trailing slash stays), no tracking parameters (utm_*, fbclid, gclid, ref,
// mc_cid, ...) and the remaining parameters sorted. It is a key, never an
// address to fetch: a URL is fetched and stored as published.
// When the page's HTML is given and it names a same-site
// <link rel="canonical">, that URL (normalised) wins. Input that is not an
// absolute http(s) URL comes back trimmed but otherwise unchanged.
func CanonicalURL(raw string, pageHTML ...[]byte) string {
	for _, h := range pageHTML {
		if c, ok := CanonicalFromHTML(raw, h); ok {
			return c
		}
	}
	c, ok := normaliseURL(raw)
	if !ok {
		return strings.TrimSpace(raw)
	}
	return c
}

// normaliseURL does CanonicalURL's work and reports whether raw was an
// absolute http(s) URL.
func normaliseURL(raw string) (string, bool) {
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" || u.Opaque != "" {
		return "", false
	}
	host := strings.TrimRight(strings.ToLower(u.Hostname()), ".")
	if host == "" || strings.ContainsAny(host, " /?#@") {
		return "", false
	}
	port := u.Port()
	if port == defaultPort(scheme) {
		port = ""
	}
	hostport := host
	if strings.Contains(host, ":") {
		hostport = "[" + host + "]"
	}
	if port != "" {
		hostport = net.JoinHostPort(host, port)
	}

	p := normalisePercent(u.EscapedPath())
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	p = removeDotSegments(p)

	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	b.WriteString(hostport)
	b.WriteString(p)
	if q := cleanQuery(u.RawQuery); q != "" {
		b.WriteByte('?')
		b.WriteString(q)
	}
	return b.String(), true
}

// cleanQuery drops tracking parameters and empty pairs, then sorts the
// rest by key (stable, so repeated keys keep their order). Pairs are kept
// as written, not re-encoded.
func cleanQuery(raw string) string {
	if raw == "" {
		return ""
	}
	type pair struct{ key, text string }
	var pairs []pair
	for _, part := range strings.FieldsFunc(raw, func(r rune) bool { return r == '&' || r == ';' }) {
		k, _, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if key == "" || isTrackingParam(key) {
			continue
		}
		pairs = append(pairs, pair{normalisePercent(escapeQueryPart(k)), normalisePercent(escapeQueryPart(part))})
	}
	sort.SliceStable(pairs, func(i, j int) bool { return pairs[i].key < pairs[j].key })
	texts := make([]string, len(pairs))
	for i, p := range pairs {
		texts[i] = p.text
	}
	return strings.Join(texts, "&")
}

// normalisePercent upper-cases the hex digits of percent-encodings and
// decodes those of unreserved characters (RFC 3986 section 6.2.2.2);
// a '%' not followed by two hex digits is left alone.
func normalisePercent(s string) string {
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '%' || i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			b.WriteByte(c)
			continue
		}
		v := unhex(s[i+1])<<4 | unhex(s[i+2])
		if isUnreserved(v) {
			b.WriteByte(v)
		} else {
			b.WriteByte('%')
			b.WriteString(strings.ToUpper(s[i+1 : i+3]))
		}
		i += 2
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// isUnreserved reports RFC 3986's unreserved characters.
func isUnreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// removeDotSegments is RFC 3986 section 5.2.4 on an absolute path: "."
// and ".." segments go, every other segment (empty ones and a trailing
// slash included) stays as written.
func removeDotSegments(p string) string {
	if !strings.Contains(p, ".") {
		return p
	}
	segs := strings.Split(p[1:], "/")
	out := make([]string, 0, len(segs))
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 0 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	return "/" + strings.Join(out, "/")
}

// escapeQueryPart percent-encodes the bytes that cannot stand in a query
// as written (spaces, controls, non-ASCII, '#'), so the result parses back
// to itself.
func escapeQueryPart(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= 0x20 || c >= 0x7f || c == '#' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// CanonicalFromHTML returns the page's <link rel="canonical"> resolved
// against pageURL and normalised, when it names the same site (same
// registrable domain and port). Only the document head is scanned.
func CanonicalFromHTML(pageURL string, body []byte) (string, bool) {
	base, err := url.Parse(strings.TrimSpace(pageURL))
	if err != nil {
		return "", false
	}
	href := findCanonicalHref(body)
	if href == "" {
		return "", false
	}
	ref, err := base.Parse(strings.TrimSpace(href))
	if err != nil {
		return "", false
	}
	c, ok := normaliseURL(ref.String())
	if !ok || !sameSite(base, ref) {
		return "", false
	}
	return c, true
}

// findCanonicalHref scans tokens up to <body> for a canonical link.
func findCanonicalHref(body []byte) string {
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Body:
				return ""
			case atom.Link:
				var rel, href string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "rel":
						rel = string(v)
					case "href":
						href = string(v)
					}
				}
				for _, r := range strings.Fields(strings.ToLower(rel)) {
					if r == "canonical" && href != "" {
						return href
					}
				}
			}
		}
	}
}

// sameSite reports whether a and b belong to one site: the same port and,
// for names, the same registrable domain (www.example.com and
// example.com); IP addresses and single-label names must match exactly.
func sameSite(a, b *url.URL) bool {
	if effectivePort(a) != effectivePort(b) {
		return false
	}
	ha := strings.TrimSuffix(strings.ToLower(a.Hostname()), ".")
	hb := strings.TrimSuffix(strings.ToLower(b.Hostname()), ".")
	if ha == hb {
		return ha != ""
	}
	if _, err := netip.ParseAddr(ha); err == nil {
		return false
	}
	if _, err := netip.ParseAddr(hb); err == nil {
		return false
	}
	ra, errA := publicsuffix.EffectiveTLDPlusOne(ha)
	rb, errB := publicsuffix.EffectiveTLDPlusOne(hb)
	return errA == nil && errB == nil && ra == rb
}

// effectivePort is u's explicit port, or "" for none or the scheme's
// default, so http and https on their default ports count as one site.
func effectivePort(u *url.URL) string {
	p := u.Port()
	if p == defaultPort(strings.ToLower(u.Scheme)) {
		return ""
	}
	return p
}
