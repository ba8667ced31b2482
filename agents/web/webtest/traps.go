package webtest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Addresses the redirect traps point at. Nothing may ever connect to them.
const (
	MetadataTarget = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
	PrivateTarget  = "http://10.0.0.1/admin"
)

// trapServer serves pages that a careful fetcher must refuse or cut short.
type trapServer struct {
	srv       *httptest.Server
	slowDelay time.Duration
	hugeBytes int64

	hugeWritten  atomic.Int64
	hugeFinished atomic.Bool
}

func newTrapServer(t Cleaner, c *Corpus, slow time.Duration, huge int64) *trapServer {
	ts := &trapServer{slowDelay: slow, hugeBytes: huge}
	ts.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.recordAs("traps", r)
		ts.serve(w, r)
	}))
	t.Cleanup(ts.srv.Close)
	return ts
}

func (ts *trapServer) serve(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	case p == "/slow":
		select {
		case <-time.After(ts.slowDelay):
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html><body><p>Finally.</p></body></html>")
		case <-r.Context().Done():
		}
	case p == "/huge", p == "/huge-declared":
		ts.serveHuge(w, p == "/huge-declared")
	case p == "/to-metadata":
		http.Redirect(w, r, MetadataTarget, http.StatusFound)
	case p == "/to-private":
		http.Redirect(w, r, PrivateTarget, http.StatusFound)
	case strings.HasPrefix(p, "/loop/"):
		n, _ := strconv.Atoi(strings.TrimPrefix(p, "/loop/"))
		http.Redirect(w, r, fmt.Sprintf("/loop/%d", n+1), http.StatusFound)
	case p == "/image.png":
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n"))
	case p == "/ok":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><head><title>OK</title></head><body><p>A small page.</p></body></html>")
	default:
		http.NotFound(w, r)
	}
}

// serveHuge streams hugeBytes of HTML, counting what the client accepted.
func (ts *trapServer) serveHuge(w http.ResponseWriter, declared bool) {
	ts.hugeWritten.Store(0)
	ts.hugeFinished.Store(false)
	defer ts.hugeFinished.Store(true)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if declared {
		w.Header().Set("Content-Length", strconv.FormatInt(ts.hugeBytes, 10))
	}
	chunk := bytes.Repeat([]byte("<p>all work and no play makes a very large page.</p>\n"), 1200)
	for sent := int64(0); sent < ts.hugeBytes; {
		b := chunk[:min(int64(len(chunk)), ts.hugeBytes-sent)]
		n, err := w.Write(b)
		sent += int64(n)
		ts.hugeWritten.Store(sent)
		if err != nil {
			return
		}
	}
}

func (c *Corpus) trapURL(path string) string { return c.traps.srv.URL + path }

// SlowURL answers only after the slow delay (WithSlowDelay).
func (c *Corpus) SlowURL() string { return c.trapURL("/slow") }

// HugeURL streams WithHugeBytes of HTML without a Content-Length.
func (c *Corpus) HugeURL() string { return c.trapURL("/huge") }

// HugeDeclaredURL is HugeURL with a Content-Length header.
func (c *Corpus) HugeDeclaredURL() string { return c.trapURL("/huge-declared") }

// HugeBytes is the size of the huge pages.
func (c *Corpus) HugeBytes() int64 { return c.traps.hugeBytes }

// HugeWritten reports how many bytes the last huge response got out to the
// client, and whether its handler has returned.
func (c *Corpus) HugeWritten() (written int64, finished bool) {
	return c.traps.hugeWritten.Load(), c.traps.hugeFinished.Load()
}

// MetadataRedirectURL redirects to MetadataTarget (a cloud-metadata address).
func (c *Corpus) MetadataRedirectURL() string { return c.trapURL("/to-metadata") }

// PrivateRedirectURL redirects to PrivateTarget (an RFC 1918 address).
func (c *Corpus) PrivateRedirectURL() string { return c.trapURL("/to-private") }

// RedirectLoopURL redirects forever, one new path per hop.
func (c *Corpus) RedirectLoopURL() string { return c.trapURL("/loop/0") }

// ImageURL serves image/png.
func (c *Corpus) ImageURL() string { return c.trapURL("/image.png") }

// OKURL is a small HTML page on the trap server.
func (c *Corpus) OKURL() string { return c.trapURL("/ok") }

// TrapHost is the trap server's host:port.
func (c *Corpus) TrapHost() string { return strings.TrimPrefix(c.traps.srv.URL, "http://") }
