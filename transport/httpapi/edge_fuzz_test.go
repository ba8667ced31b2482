package httpapi

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kpbot/kpbot/storage/dbtest"
)

// containsNUL reports whether a decoded JSON value holds a NUL in any
// string or object key.
func containsNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.IndexByte(x, 0) >= 0
	case []any:
		for _, e := range x {
			if containsNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.IndexByte(k, 0) >= 0 || containsNUL(e) {
				return true
			}
		}
	}
	return false
}

// FuzzNULLocation: nulLocation never panics, finds a NUL in every valid
// document that holds one and in none that does not, and names it with a
// printable, bounded location.
func FuzzNULLocation(f *testing.F) {
	for _, s := range []string{
		`{"email":"a\u0000b"}`, `{"a":[1,"x",{"b":"\u0000"}]}`, `{"\u0000":1}`, `"\u0000"`,
		`{"name":"\\u0000"}`, `{"a":"\\\u0000"}`, `[[[]],{},"\u0000"]`, `{"a":`, `{"a":"\u0000`,
		`{"k\u00e9y\u0000":{"x":null}}`, `{"a":{"b":{"c":[true,false,null,"\u0000"]}}}`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		loc, found := nulLocation(doc)
		if found {
			if !bytes.Contains(doc, escapedNUL) {
				t.Fatalf("found a NUL in %q without an escaped one", doc)
			}
			if !strings.HasPrefix(loc, "body") || len(loc) > maxLocation || !utf8.ValidString(loc) || !cleanText(loc) {
				t.Fatalf("location %q for %q", loc, doc)
			}
		}
		if !json.Valid(doc) {
			return
		}
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			return // valid but too deep for the decoder
		}
		if want := containsNUL(v); want != found {
			t.Fatalf("nulLocation(%q) = %q, %v; the decoded document holds a NUL: %v", doc, loc, found, want)
		}
	})
}

// FuzzCannedProblem: cannedProblem never panics, and what it returns is a
// complete HTTP response with the same status and a problem body.
func FuzzCannedProblem(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 400 Bad Request" + cannedHeaders + "400 Bad Request",
		"HTTP/1.1 431 Request Header Fields Too Large" + cannedHeaders + "431 Request Header Fields Too Large",
		"HTTP/1.1 501 Not Implemented" + cannedHeaders + "Unsupported transfer encoding",
		"HTTP/1.1 400 Bad Request: missing required Host header" + cannedHeaders + "400 Bad Request: missing required Host header",
		"HTTP/1.1 505 HTTP Version Not Supported: unsupported protocol version" + cannedHeaders + "505 HTTP Version Not Supported: unsupported protocol version",
		"HTTP/1.1 200 OK" + cannedHeaders + "200 OK",
		"HTTP/1.1 400 Bad Request\r\nDate: x" + cannedHeaders + "400 Bad Request",
		"HTTP/1.1 999 Nope" + cannedHeaders + "999 Nope",
		"HTTP/1.1 400 Bad Request: \x00" + cannedHeaders + "400 Bad Request: \x00",
		"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: Wed, 02 Dec 2026 03:54:41 GMT\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: x\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 4", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		doc, ok := cannedProblem(p)
		if !ok {
			return
		}
		res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(doc)), nil)
		if err != nil {
			t.Fatalf("cannedProblem(%q) = %q: %v", p, doc, err)
		}
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		if want, _ := strconv.Atoi(string(p[9:12])); res.StatusCode != want || want < 400 {
			t.Fatalf("status %d for %q", res.StatusCode, p)
		}
		var prob map[string]any
		if res.Header.Get("Content-Type") != ProblemContentType || json.Unmarshal(body, &prob) != nil ||
			prob["status"] != float64(res.StatusCode) || prob["detail"] == "" {
			t.Fatalf("not a problem: %q", doc)
		}
	})
}

// FuzzQueryProblem: a query queryProblem lets through decodes, as
// url.ParseQuery splits it, to clean names and values only.
func FuzzQueryProblem(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "cursor=%00", "x=%zz", "%ff=1", "a=+%20+", "&&=&", "a;b=c", "q=%C3%A9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if queryProblem(raw) != nil {
			return
		}
		q, err := url.ParseQuery(raw)
		if err != nil && !strings.Contains(raw, ";") {
			t.Fatalf("queryProblem passed %q, ParseQuery refuses it: %v", raw, err)
		}
		for k, vs := range q {
			if !cleanText(k) {
				t.Fatalf("name %q passed in %q", k, raw)
			}
			for _, v := range vs {
				if !cleanText(v) {
					t.Fatalf("value %q passed in %q", v, raw)
				}
			}
		}
	})
}

// FuzzRequestTarget sends any request target, as raw bytes, to the whole
// server behind ProblemListener: never a 5xx, and every error is a
// problem document.
func FuzzRequestTarget(f *testing.F) {
	e := newTestServer(f, dbtest.SQLite(f))
	for _, s := range []string{
		"/healthz", "/healthz%00", "/api/auth/me%00", "/%zz", "/api/campaigns/%ff", "/api/events?topic=run:%00",
		"/api/campaigns?cursor=%zz&limit=0", "*", "http://x/healthz", "//healthz", "/api/../healthz", "/docs?%00",
		"/api/auth/me\x00", "/a b", "/api/campaigns/:id", "/api/campaigns/*", "/.well-known/x",
	} {
		f.Add(s)
	}
	addr := e.ts.Listener.Addr().String()
	f.Fuzz(func(t *testing.T, target string) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := io.WriteString(c, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("GET %q: no response: %v", target, err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 && res.StatusCode != http.StatusNotImplemented && res.StatusCode != http.StatusHTTPVersionNotSupported {
			t.Fatalf("GET %q: %d %s", target, res.StatusCode, raw)
		}
		if res.StatusCode >= 400 && res.Header.Get("Content-Type") != ProblemContentType {
			t.Fatalf("GET %q: %d without a problem body: %q", target, res.StatusCode, raw)
		}
	})
}
