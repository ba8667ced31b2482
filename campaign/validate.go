package campaign

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// languageTag is a BCP 47-like tag: a 2..8 letter primary subtag and
// optional alphanumeric subtags ("en", "pt-BR", "zh-Hant-TW").
var languageTag = regexp.MustCompile(`^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*$`)

// hasControl reports whether s holds a control character other than the
// whitespace allowed where allowNewlines is set.
func hasControl(s string, allowNewlines bool) bool {
	for _, r := range s {
		if allowNewlines && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}

// lineProblem checks a trimmed one-line text: valid UTF-8, not empty, at
// most maxChars characters, no control characters. It returns what is
// wrong, or "" when nothing is.
func lineProblem(s string, maxChars int) string {
	switch n := utf8.RuneCountInString(s); {
	case !utf8.ValidString(s):
		return "must be valid UTF-8"
	case n == 0:
		return "must not be empty"
	case n > maxChars:
		return fmt.Sprintf("must be at most %d characters", maxChars)
	case hasControl(s, false):
		return "must not contain control characters"
	}
	return ""
}

func normalizeName(name string, errs *fieldErrors) string {
	name = strings.TrimSpace(name)
	if p := lineProblem(name, MaxNameChars); p != "" {
		errs.add("name", "%s", p)
	}
	return name
}

// normalizeTerms trims each term, refuses empty or overlong ones, and drops
// later duplicates (compared case-insensitively), keeping the first
// spelling. The list must hold between minN and maxN terms.
func normalizeTerms(field string, terms []string, minN, maxN, maxChars int, errs *fieldErrors) []string {
	if len(terms) > maxN {
		errs.add(field, "must have at most %d items", maxN)
		return nil
	}
	out := make([]string, 0, len(terms))
	seen := make(map[string]bool, len(terms))
	bad := false
	for i, t := range terms {
		t = strings.TrimSpace(t)
		if p := lineProblem(t, maxChars); p != "" {
			errs.add(fmt.Sprintf("%s[%d]", field, i), "%s", p)
			bad = true
			continue
		}
		if key := strings.ToLower(t); !seen[key] {
			seen[key] = true
			out = append(out, t)
		}
	}
	if !bad && len(out) < minN {
		errs.add(field, "must have at least %d item(s)", minN)
	}
	return out
}

// normalizeURLs checks that every entry is an absolute http(s) URL with a
// host and no credentials, and drops exact duplicates.
func normalizeURLs(field string, urls []string, maxN int, errs *fieldErrors) []string {
	if len(urls) > maxN {
		errs.add(field, "must have at most %d items", maxN)
		return nil
	}
	out := make([]string, 0, len(urls))
	seen := make(map[string]bool, len(urls))
	for i, raw := range urls {
		s := strings.TrimSpace(raw)
		name := fmt.Sprintf("%s[%d]", field, i)
		if err := checkHTTPURL(s); err != "" {
			errs.add(name, "%s", err)
			continue
		}
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// checkHTTPURL returns why s is not an acceptable absolute http(s) URL, or
// "" when it is.
func checkHTTPURL(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > MaxURLChars {
		return fmt.Sprintf("must be at most %d characters", MaxURLChars)
	}
	if hasControl(s, false) || strings.ContainsAny(s, " \t") {
		return "must not contain spaces or control characters"
	}
	u, err := url.Parse(s)
	if err != nil {
		return "must be a valid URL"
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "must be an absolute http or https URL"
	}
	if u.Hostname() == "" {
		return "must have a host"
	}
	if u.User != nil {
		return "must not contain credentials"
	}
	return ""
}

func normalizeLanguage(lang string, errs *fieldErrors) string {
	lang = strings.TrimSpace(lang)
	if len(lang) > MaxLanguageChars || !languageTag.MatchString(lang) {
		errs.add("language", "must be a language tag such as \"en\" or \"pt-BR\" (at most %d characters)", MaxLanguageChars)
	}
	return lang
}

func normalizeTone(tone string, errs *fieldErrors) string {
	tone = strings.TrimSpace(tone)
	if p := lineProblem(tone, MaxToneChars); p != "" {
		errs.add("tone", "%s", p)
	}
	return tone
}

func normalizeGuidelines(g string, errs *fieldErrors) string {
	g = strings.TrimSpace(g)
	switch {
	case !utf8.ValidString(g):
		errs.add("comment_guidelines", "must be valid UTF-8")
	case utf8.RuneCountInString(g) > MaxGuidelinesChars:
		errs.add("comment_guidelines", "must be at most %d characters", MaxGuidelinesChars)
	case hasControl(g, true):
		errs.add("comment_guidelines", "must not contain control characters other than line breaks and tabs")
	}
	return g
}

func checkRange(field string, v, lo, hi int, errs *fieldErrors) int {
	if v < lo || v > hi {
		errs.add(field, "must be between %d and %d", lo, hi)
	}
	return v
}
