package webapp

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

// fixture is a dist like the web build's: documents, hashed assets with
// precompressed siblings, the API reference under docs/.
func fixture(t *testing.T) fstest.MapFS {
	t.Helper()
	file := func(b []byte) *fstest.MapFile { return &fstest.MapFile{Data: b} }
	return fstest.MapFS{
		"index.html":                file([]byte("<!doctype html><title>app</title>")),
		"index.html.br":             file([]byte("BR-INDEX")),
		"index.html.gz":             file(gz(t, "<!doctype html><title>app</title>")),
		"assets/app-3f9a.js":        file([]byte("console.log('app')")),
		"assets/app-3f9a.js.br":     file([]byte("BR-APP")),
		"assets/app-3f9a.js.gz":     file(gz(t, "console.log('app')")),
		"assets/app-3f9a.css":       file([]byte("body{}")),
		"assets/font-1a.woff2":      file([]byte("wOF2")),
		"logo.svg":                  file([]byte("<svg/>")),
		"robots.txt":                file([]byte("User-agent: *")),
		"docs/index.html":           file([]byte("<!doctype html><title>docs</title>")),
		"docs/index.html.gz":        file(gz(t, "<!doctype html><title>docs</title>")),
		"docs/assets/renderer-9.js": file([]byte("render()")),
	}
}

type result struct {
	status int
	header http.Header
	body   string
}

func get(t *testing.T, ts *httptest.Server, method, path string, hdr ...string) result {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL, nil)
	require.NoError(t, err)
	req.URL.Path = path // sent as is: no client-side cleaning
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	// An explicit Accept-Encoding keeps the transport from decoding.
	if req.Header.Get("Accept-Encoding") == "" {
		req.Header.Set("Accept-Encoding", "identity")
	}
	res, err := ts.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return result{res.StatusCode, res.Header, string(b)}
}

func newServer(t *testing.T) (*httptest.Server, fstest.MapFS) {
	t.Helper()
	fsys := fixture(t)
	h, err := New(fsys)
	require.NoError(t, err)
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return ts, fsys
}

func TestAppShellAndFallback(t *testing.T) {
	t.Parallel()
	ts, fsys := newServer(t)
	for _, p := range []string{"/", "/index.html", "/campaigns/0192/prospects", "/sign-in", "/assets", "/docsx", "/apis"} {
		r := get(t, ts, "GET", p)
		require.Equal(t, http.StatusOK, r.status, p)
		assert.Equal(t, string(fsys["index.html"].Data), r.body, p)
		assert.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"), p)
		assert.Equal(t, "no-cache", r.header.Get("Cache-Control"), p)
		assert.Equal(t, AppCSP, r.header.Get("Content-Security-Policy"), p)
		assert.Equal(t, "Accept-Encoding", r.header.Get("Vary"), p)
		assert.Empty(t, r.header.Get("Content-Encoding"), p)
		assert.NotEmpty(t, r.header.Get("ETag"), p)
	}
	assert.Contains(t, AppCSP, "script-src 'self'")
	assert.NotContains(t, AppCSP, "unsafe-inline")
}

func TestAssetsAndContentTypes(t *testing.T) {
	t.Parallel()
	ts, _ := newServer(t)
	for path, ct := range map[string]string{
		"/assets/app-3f9a.js":        "text/javascript; charset=utf-8",
		"/assets/app-3f9a.css":       "text/css; charset=utf-8",
		"/assets/font-1a.woff2":      "font/woff2",
		"/docs/assets/renderer-9.js": "text/javascript; charset=utf-8",
	} {
		r := get(t, ts, "GET", path)
		require.Equal(t, http.StatusOK, r.status, path)
		assert.Equal(t, ct, r.header.Get("Content-Type"), path)
		assert.Equal(t, "public, max-age=31536000, immutable", r.header.Get("Cache-Control"), path)
	}
	for path, ct := range map[string]string{"/logo.svg": "image/svg+xml", "/robots.txt": "text/plain; charset=utf-8"} {
		r := get(t, ts, "GET", path)
		require.Equal(t, http.StatusOK, r.status, path)
		assert.Equal(t, ct, r.header.Get("Content-Type"), path)
		assert.Equal(t, "no-cache", r.header.Get("Cache-Control"), "%s: not a hashed name", path)
	}
	// A file without compressed siblings does not vary.
	assert.Empty(t, get(t, ts, "GET", "/assets/app-3f9a.css", "Accept-Encoding", "br").header.Get("Vary"))
	// A stale hashed name is a 404, never the HTML shell (a script tag
	// would otherwise get HTML).
	for _, p := range []string{"/assets/app-0000.js", "/docs/assets/gone.js", "/docs/nope"} {
		r := get(t, ts, "GET", p)
		assert.Equal(t, http.StatusNotFound, r.status, p)
		assert.NotContains(t, r.body, "<!doctype", p)
	}
}

func TestPrecompressedByAcceptEncoding(t *testing.T) {
	t.Parallel()
	ts, fsys := newServer(t)
	const js = "/assets/app-3f9a.js"
	for _, tc := range []struct{ accept, encoding, file string }{
		{"gzip, deflate, br", "br", "assets/app-3f9a.js.br"},
		{"br", "br", "assets/app-3f9a.js.br"},
		{"gzip", "gzip", "assets/app-3f9a.js.gz"},
		{"BR;q=0, gzip", "gzip", "assets/app-3f9a.js.gz"},
		{"br;q=0.4, gzip;q=0.8", "gzip", "assets/app-3f9a.js.gz"},
		{"x-gzip", "gzip", "assets/app-3f9a.js.gz"},
		{"*", "br", "assets/app-3f9a.js.br"},
		{"*;q=0, identity", "", "assets/app-3f9a.js"},
		{"identity", "", "assets/app-3f9a.js"},
		{"deflate", "", "assets/app-3f9a.js"},
		{"br;q=bogus, gzip", "gzip", "assets/app-3f9a.js.gz"},
	} {
		r := get(t, ts, "GET", js, "Accept-Encoding", tc.accept)
		require.Equal(t, http.StatusOK, r.status, tc.accept)
		assert.Equal(t, tc.encoding, r.header.Get("Content-Encoding"), tc.accept)
		assert.Equal(t, string(fsys[tc.file].Data), r.body, tc.accept)
		assert.Equal(t, "text/javascript; charset=utf-8", r.header.Get("Content-Type"), "%s: the type of the content, not of the encoding", tc.accept)
		assert.Equal(t, "Accept-Encoding", r.header.Get("Vary"), tc.accept)
	}
	// The shell is precompressed too; a real gzip client gets the page.
	res, err := ts.Client().Get(ts.URL + "/deep/link") // the transport asks for gzip and decodes
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	assert.True(t, res.Uncompressed, "served gzip-encoded")
	assert.Equal(t, string(fsys["index.html"].Data), string(body))
}

func TestConditionalAndHead(t *testing.T) {
	t.Parallel()
	ts, fsys := newServer(t)
	plain := get(t, ts, "GET", "/assets/app-3f9a.js")
	br := get(t, ts, "GET", "/assets/app-3f9a.js", "Accept-Encoding", "br")
	require.NotEmpty(t, plain.header.Get("ETag"))
	assert.NotEqual(t, plain.header.Get("ETag"), br.header.Get("ETag"), "each encoding is its own representation")

	r := get(t, ts, "GET", "/assets/app-3f9a.js", "If-None-Match", plain.header.Get("ETag"))
	assert.Equal(t, http.StatusNotModified, r.status)
	assert.Empty(t, r.body)
	r = get(t, ts, "GET", "/", "If-None-Match", get(t, ts, "GET", "/").header.Get("ETag"))
	assert.Equal(t, http.StatusNotModified, r.status)
	r = get(t, ts, "GET", "/assets/app-3f9a.js", "If-None-Match", `"other"`)
	assert.Equal(t, http.StatusOK, r.status)

	head := get(t, ts, "HEAD", "/")
	assert.Equal(t, http.StatusOK, head.status)
	assert.Empty(t, head.body)
	assert.Equal(t, "text/html; charset=utf-8", head.header.Get("Content-Type"))
	assert.Equal(t, len(fsys["index.html"].Data), int(mustAtoi(t, head.header.Get("Content-Length"))))

	post := get(t, ts, "POST", "/")
	assert.Equal(t, http.StatusMethodNotAllowed, post.status)
	assert.Equal(t, "GET, HEAD", post.header.Get("Allow"))
}

func mustAtoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		require.True(t, c >= '0' && c <= '9', "number: %q", s)
		n = n*10 + int64(c-'0')
	}
	return n
}

func TestDocs(t *testing.T) {
	t.Parallel()
	ts, fsys := newServer(t)
	for _, p := range []string{"/docs", "/docs/", "/docs/index.html"} {
		r := get(t, ts, "GET", p)
		require.Equal(t, http.StatusOK, r.status, p)
		assert.Equal(t, string(fsys["docs/index.html"].Data), r.body, p)
		assert.Equal(t, DocsCSP, r.header.Get("Content-Security-Policy"), p)
		assert.Equal(t, "no-cache", r.header.Get("Cache-Control"), p)
	}
	assert.Equal(t, "gzip", get(t, ts, "GET", "/docs", "Accept-Encoding", "br, gzip").header.Get("Content-Encoding"))
	for _, src := range []string{"'unsafe-inline'", "'unsafe-eval'", "https:", "unpkg"} {
		assert.NotContains(t, DocsCSP, src)
	}
}

func TestPathTraversal(t *testing.T) {
	t.Parallel()
	ts, fsys := newServer(t)
	shell := string(fsys["index.html"].Data)
	for _, p := range []string{"/../../../../etc/passwd", "/assets/../../go.mod", "/./../web/assets.go", "//etc/passwd", "/docs/../../../etc/hosts"} {
		r := get(t, ts, "GET", p)
		assert.Equal(t, http.StatusOK, r.status, p)
		assert.Equal(t, shell, r.body, "%s: the shell, nothing from outside the fs", p)
	}
	r := get(t, ts, "GET", "/assets/../index.html")
	assert.Equal(t, shell, r.body)
	for _, p := range []string{"/..\\..\\etc\\passwd", "/index.html\x00.js"} {
		r := get(t, ts, "GET", p)
		assert.Equal(t, http.StatusNotFound, r.status, "%q", p)
	}
}

func TestNewNeedsIndex(t *testing.T) {
	t.Parallel()
	_, err := New(fstest.MapFS{"docs/index.html": {Data: []byte("x")}})
	assert.ErrorContains(t, err, "index.html")
}
