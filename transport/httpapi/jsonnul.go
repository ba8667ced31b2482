package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// refuseNUL reads a JSON request body and refuses, with a 422 problem
// naming the field, one whose strings hold a NUL character: no text field
// of the API accepts one (PostgreSQL cannot even store it). It also turns
// a body that cannot be read (malformed chunked encoding, cut short) into
// a 400 here, before any handler. Other bodies pass untouched.
func (s *Server) refuseNUL(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody || !isJSONMedia(r.Header.Get("Content-Type")) {
			next.ServeHTTP(w, r)
			return
		}
		var buf bytes.Buffer
		if r.ContentLength > 0 && r.ContentLength <= s.cfg.MaxBodyBytes {
			buf.Grow(int(r.ContentLength))
		}
		if _, err := buf.ReadFrom(r.Body); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge(s.cfg.MaxBodyBytes).write(w)
				return
			}
			s.Error(r.Context(), err).write(w)
			return
		}
		if loc, ok := nulLocation(buf.Bytes()); ok {
			NewProblem(http.StatusUnprocessableEntity, "validation failed").
				WithField(loc, "must not contain NUL characters").write(w)
			return
		}
		r.Body = io.NopCloser(&buf)
		r.ContentLength = int64(buf.Len())
		next.ServeHTTP(w, r)
	})
}

// isJSONMedia reports whether a Content-Type is JSON (application/json or
// a +json type), the bodies huma decodes.
func isJSONMedia(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// escapedNUL is how a NUL appears in JSON text: raw control characters are
// not valid JSON, so a string can only hold one escaped.
var escapedNUL = []byte(`\u0000`)

// maxLocation bounds the field location reported for a NUL.
const maxLocation = 200

// nulLocation returns the location ("body.email", "body.keywords[2]") of
// the first string, or object key, in a JSON document that holds a NUL
// character. It reports false when there is none, and for invalid JSON,
// which the decoder downstream refuses on its own.
func nulLocation(doc []byte) (string, bool) {
	if !bytes.Contains(doc, escapedNUL) {
		return "", false // the common case: nothing to decode
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	// path holds one entry per open container: the key or index of the
	// value being read in it; isKey tells whether an object expects a key.
	type frame struct {
		object bool
		key    string
		index  int
		isKey  bool
	}
	var path []frame
	location := func(extraKey string) string {
		var b strings.Builder
		b.WriteString("body")
		for i, f := range path {
			switch {
			case f.object && i == len(path)-1 && extraKey != "":
				writeKey(&b, extraKey)
			case f.object:
				writeKey(&b, f.key)
			default:
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
			if b.Len() > maxLocation {
				return strings.ToValidUTF8(b.String()[:maxLocation], "")
			}
		}
		return b.String()
	}
	// advance marks the end of one value in the innermost container.
	advance := func() {
		if len(path) == 0 {
			return
		}
		f := &path[len(path)-1]
		if f.object {
			f.isKey = true
		} else {
			f.index++
		}
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return "", false // io.EOF, or invalid JSON: not ours to answer
		}
		var top *frame
		if len(path) > 0 {
			top = &path[len(path)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				path = append(path, frame{object: true, isKey: true})
			case '[':
				path = append(path, frame{})
			default: // '}' or ']'
				path = path[:len(path)-1]
				advance()
			}
		case string:
			if top != nil && top.object && top.isKey {
				if strings.IndexByte(v, 0) >= 0 {
					return location(v), true
				}
				top.key, top.isKey = v, false
				continue
			}
			if strings.IndexByte(v, 0) >= 0 {
				return location(""), true
			}
			advance()
		default:
			advance()
		}
	}
}

// writeKey appends an object key to a location: ".name" for a plain key,
// else `["..."]` with the key JSON-escaped (so a NUL shows as \u0000).
func writeKey(b *strings.Builder, key string) {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			plain = false
			break
		}
	}
	if plain {
		b.WriteString("." + key)
		return
	}
	q, _ := json.Marshal(key) // escapes the C0 controls, NUL included
	b.WriteString("[" + strings.ReplaceAll(string(q), "\x7f", `\u007f`) + "]")
}
