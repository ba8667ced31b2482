package httpapi

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"
)

// checkTarget refuses, with a 400 problem and before the router sees it, a
// request whose path or query no route can mean: control characters (NUL
// included) or invalid UTF-8 once percent-decoded, or invalid
// percent-encoding in the query. Such bytes would otherwise reach the
// router (a NUL made it panic) or a database that refuses them.
func (s *Server) checkTarget(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := targetProblem(r.URL); p != nil {
			p.write(w)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// targetProblem returns the 400 for a request URL that checkTarget
// refuses, or nil.
func targetProblem(u *url.URL) *Problem {
	if !cleanText(u.Path) {
		return NewProblem(http.StatusBadRequest, "the request path holds control characters or invalid UTF-8").
			WithField("path", "must be printable UTF-8 once percent-decoded")
	}
	return queryProblem(u.RawQuery)
}

// queryProblem checks every key and value of a raw query the way
// url.ParseQuery splits it ('&'-separated, '+' for space).
func queryProblem(raw string) *Problem {
	for raw != "" {
		var part string
		part, raw, _ = strings.Cut(raw, "&")
		if part == "" {
			continue
		}
		key, value, _ := strings.Cut(part, "=")
		k, err := url.QueryUnescape(key)
		if err != nil {
			return badQuery("query", "invalid percent-encoding in the query")
		}
		if !cleanText(k) {
			return badQuery("query", "a query parameter name holds control characters or invalid UTF-8")
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return badQuery(queryLocation(k), "invalid percent-encoding in the query")
		}
		if !cleanText(v) {
			return badQuery(queryLocation(k), "a query parameter holds control characters or invalid UTF-8")
		}
	}
	return nil
}

func badQuery(location, detail string) *Problem {
	return NewProblem(http.StatusBadRequest, detail).WithField(location, "must be printable UTF-8, correctly percent-encoded")
}

// queryLocation names a (clean) query parameter, cut to a sane length.
func queryLocation(key string) string {
	const maxKey = 64
	if len(key) > maxKey {
		key = strings.ToValidUTF8(key[:maxKey], "")
	}
	return "query." + key
}

// cleanText reports whether s is valid UTF-8 free of C0 control
// characters and DEL.
func cleanText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return false
		}
	}
	return utf8.ValidString(s)
}
