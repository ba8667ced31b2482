package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProblemListener wraps ln so that the plain-text answers net/http writes
// by itself, before any handler, to a request it cannot parse (a
// malformed request line or header: 400; headers over the limit: 431; an
// unknown transfer coding: 501; an unknown HTTP version: 505; an Expect
// other than 100-continue: 417) go out as
// RFC 9457 problem documents like every other error. Set
// http.Server.ConnContext to ProblemConnContext as well, so that nothing a
// handler writes is ever taken for such an answer. Use it on plain TCP:
// under TLS it would see only ciphertext and change nothing.
//
// net/http writes each of those answers with a single Write on the
// connection, in a fixed shape (status line, "Content-Type: text/plain;
// charset=utf-8", "Connection: close", then the status again as the body)
// that no response of Server has: those always carry a Date and an
// X-Request-Id header. A Write of exactly that shape, on a connection
// with no handler running and no response of one still going out, is
// replaced; every other byte passes through untouched.
func ProblemListener(ln net.Listener) net.Listener { return &problemListener{Listener: ln} }

type problemListener struct{ net.Listener }

func (l *problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c}, nil
}

type problemConnKey struct{}

// ProblemConnContext is an http.Server.ConnContext for connections from a
// ProblemListener: it lets Server tell the connection when a handler runs.
func ProblemConnContext(ctx context.Context, c net.Conn) context.Context {
	if pc, ok := c.(*problemConn); ok {
		return context.WithValue(ctx, problemConnKey{}, pc)
	}
	return ctx
}

// handlerOnConn marks the request's connection, when it came from a
// ProblemListener, as busy with a handler until the returned func runs.
func handlerOnConn(r *http.Request) func() {
	pc, ok := r.Context().Value(problemConnKey{}).(*problemConn)
	if !ok {
		return func() {}
	}
	pc.handlerStarted()
	return pc.handlerDone
}

// problemConn rewrites net/http's canned error answers (see
// ProblemListener).
type problemConn struct {
	net.Conn
	mu       sync.Mutex
	handlers int  // handlers running for this connection
	replying bool // a handler returned; its response may still be going out until net/http reads again
}

func (c *problemConn) handlerStarted() {
	c.mu.Lock()
	c.handlers++
	c.replying = true
	c.mu.Unlock()
}

func (c *problemConn) handlerDone() {
	c.mu.Lock()
	c.handlers--
	c.mu.Unlock()
}

// Read notes that the previous response is out: net/http reads the next
// request only once it has written the last one.
func (c *problemConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	if c.handlers == 0 {
		c.replying = false
	}
	c.mu.Unlock()
	return c.Conn.Read(p)
}

func (c *problemConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	quiet := c.handlers == 0 && !c.replying
	c.mu.Unlock()
	if quiet {
		if doc, ok := cannedProblem(p); ok {
			if _, err := c.Conn.Write(doc); err != nil {
				return 0, err
			}
			return len(p), nil
		}
	}
	return c.Conn.Write(p)
}

// CloseWrite half-closes the connection when the wrapped one can, as
// net/http does after a 431.
func (c *problemConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// ReadFrom keeps the wrapped connection's sendfile/splice path for
// response bodies (always written by a handler, never canned).
func (c *problemConn) ReadFrom(r io.Reader) (int64, error) {
	if rf, ok := c.Conn.(io.ReaderFrom); ok {
		return rf.ReadFrom(r)
	}
	return io.Copy(struct{ io.Writer }{c.Conn}, r)
}

// cannedHeaders are the header lines of every answer net/http writes
// itself (net/http's server.go, conn.serve).
const cannedHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// maxCanned bounds the size of a canned answer; net/http's are far below.
const maxCanned = 512

// cannedProblem recognises one of net/http's canned answers in p and
// returns the same status as a complete problem response; ok is false
// for anything else. The shapes, per net/http:
//
//	HTTP/1.1 431 Request Header Fields Too Large<hdrs>431 Request Header Fields Too Large
//	HTTP/1.1 400 Bad Request<hdrs>400 Bad Request
//	HTTP/1.1 400 Bad Request: missing required Host header<hdrs>400 Bad Request: missing required Host header
//	HTTP/1.1 501 Not Implemented<hdrs>Unsupported transfer encoding
func cannedProblem(p []byte) (doc []byte, ok bool) {
	const proto = "HTTP/1.1 "
	if len(p) > maxCanned || !bytes.HasPrefix(p, []byte(proto)) {
		return nil, false
	}
	if isExpectationFailed(p) {
		return problemResponse(http.StatusExpectationFailed, "unsupported Expect header: only 100-continue is understood"), true
	}
	status, body, found := strings.Cut(string(p[len(proto):]), cannedHeaders)
	if !found || len(status) < 4 || status[3] != ' ' {
		return nil, false
	}
	code, err := strconv.Atoi(status[:3])
	if err != nil || code < 400 || code > 599 || http.StatusText(code) == "" {
		return nil, false
	}
	const unsupportedTE = "Unsupported transfer encoding"
	if body != status && (code != http.StatusNotImplemented || body != unsupportedTE) {
		return nil, false
	}
	if !cleanText(status) {
		return nil, false
	}
	reason, text, _ := strings.Cut(status[4:], ": ")
	if reason != http.StatusText(code) {
		return nil, false
	}
	detail := text
	switch {
	case detail != "":
	case code == http.StatusRequestHeaderFieldsTooLarge:
		detail = "the request headers are larger than the server accepts"
	case code == http.StatusNotImplemented:
		detail = "unsupported transfer encoding"
	case code == http.StatusBadRequest:
		detail = "the request could not be parsed: malformed request line, URL or header"
	default:
		detail = strings.ToLower(reason)
	}
	return problemResponse(code, detail), true
}

// isExpectationFailed recognises the empty 417 net/http sends, without a
// handler, to a request with an Expect header other than 100-continue.
func isExpectationFailed(p []byte) bool {
	const (
		prefix = "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: "
		suffix = "\r\nContent-Length: 0\r\n\r\n"
	)
	if !bytes.HasPrefix(p, []byte(prefix)) || !bytes.HasSuffix(p, []byte(suffix)) || len(p) < len(prefix)+len(suffix) {
		return false
	}
	date := string(p[len(prefix) : len(p)-len(suffix)])
	_, err := time.Parse(http.TimeFormat, date)
	return err == nil && len(date) == len(http.TimeFormat)
}

// problemResponse is a complete HTTP/1.1 response carrying a problem, for
// the connection to close after.
func problemResponse(code int, detail string) []byte {
	js, _ := json.Marshal(NewProblem(code, detail)) // a Problem always marshals
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(code) + " " + http.StatusText(code) + "\r\n")
	b.WriteString("Content-Type: " + ProblemContentType + "\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(js)) + "\r\n")
	b.WriteString("Cache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nConnection: close\r\n\r\n")
	b.Write(js)
	return b.Bytes()
}
