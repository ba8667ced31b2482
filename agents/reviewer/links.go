package reviewer

import "regexp"

// linkPatterns find URLs, www. hosts, markdown links and bare domains with
// a common lower-case top-level domain ("example.com/path", "bit.ly/x";
// "ASP.NET" and "node.js" are not links).
var linkPatterns = []*regexp.Regexp{
	regexp.MustCompile(`\[[^\]\n]*\]\([^)\s]*\)`),
	regexp.MustCompile(`(?i)\b(?:https?|ftp)://\S+`),
	regexp.MustCompile(`(?i)\bwww\.\S+`),
	regexp.MustCompile(`\b[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*\.` +
		`(?:com|net|org|io|dev|co|ai|app|info|biz|ly|gg|xyz|tech|blog|site|online|shop|store|uk|de|fr|nl|eu|tv|ru)\b(?:/\S*)?`),
}

func findLink(s string) string {
	for _, re := range linkPatterns {
		if m := re.FindString(s); m != "" {
			return m
		}
	}
	return ""
}

// FindLink returns the first URL, www. host, markdown link or bare domain
// in s, as Review's contains_link check sees them, or "".
func FindLink(s string) string { return findLink(s) }
