package webapp

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

// AppCSP is the Content-Security-Policy of the app's documents: only this
// origin, no inline script or style, no frames, no plugins.
const AppCSP = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
	"img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'none'; " +
	"frame-ancestors 'none'; form-action 'self'"

// DocsCSP is the Content-Security-Policy of the API reference under
// /docs: the same shape, this origin only.
const DocsCSP = AppCSP

// Cache-Control values.
const (
	cacheImmutable  = "public, max-age=31536000, immutable" // hashed names never change content
	cacheRevalidate = "no-cache"                            // documents: always revalidate (ETag)
)

// Paths of the fs.FS the handler reads.
const (
	indexFile     = "index.html"      // the app shell
	docsIndexFile = "docs/index.html" // the API reference page
	docsPrefix    = "docs"            // URL /docs and /docs/...
)

// immutableDirs hold files with content-hashed names.
var immutableDirs = [...]string{"assets/", "docs/assets/"}

// encoding is one precompressed variant of a file.
type encoding struct {
	token string // Content-Encoding token: "br", "gzip"
	ext   string // file suffix: ".br", ".gz"
}

// encodings in order of preference.
var encodings = [...]encoding{{"br", ".br"}, {"gzip", ".gz"}}

// variant is one stored representation of a file.
type variant struct {
	name string // path in the fs.FS
	etag string
	size int64
}

// file is a servable path: its identity representation and any
// precompressed ones, by Content-Encoding token.
type file struct {
	identity    variant
	compressed  map[string]variant
	contentType string
	cache       string
	csp         string
}

// Handler serves the files of an fs.FS; see the package comment. It is
// safe for concurrent use.
type Handler struct {
	fsys  fs.FS
	files map[string]*file // by fs.FS path
}

var _ http.Handler = (*Handler)(nil)

// New indexes fsys (it must hold index.html; docs/index.html is optional)
// and returns its handler. The files are hashed once, for their ETags.
func New(fsys fs.FS) (*Handler, error) {
	h := &Handler{fsys: fsys, files: map[string]*file{}}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() { // directories and anything but a plain file
			return nil
		}
		v, err := h.variantOf(name)
		if err != nil {
			return err
		}
		for _, e := range encodings {
			if base, ok := strings.CutSuffix(name, e.ext); ok {
				if f := h.files[base]; f != nil {
					f.compressed[e.token] = v
					return nil
				}
			}
		}
		h.files[name] = &file{
			identity: v, compressed: map[string]variant{},
			contentType: contentType(name), cache: cacheFor(name), csp: cspFor(name),
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webapp: index files: %w", err)
	}
	// WalkDir visits names in lexical order, so "x.js" comes before
	// "x.js.br" and "x.js.gz": every sibling found its file above.
	if _, ok := h.files[indexFile]; !ok {
		return nil, errors.New("webapp: the file system has no index.html")
	}
	return h, nil
}

func (h *Handler) variantOf(name string) (variant, error) {
	f, err := h.fsys.Open(name)
	if err != nil {
		return variant{}, err
	}
	defer f.Close()
	sum := sha256.New()
	n, err := io.Copy(sum, f)
	if err != nil {
		return variant{}, fmt.Errorf("read %s: %w", name, err)
	}
	return variant{name: name, size: n, etag: `"` + hex.EncodeToString(sum.Sum(nil)[:12]) + `"`}, nil
}

// ServeHTTP serves GET and HEAD: a file of the fs.FS, the API reference at
// /docs, or the app shell for any other path. Other methods are 405.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	f, status := h.lookup(r.URL.Path)
	if f == nil {
		w.Header().Set("Content-Security-Policy", AppCSP)
		w.Header().Set("Cache-Control", cacheRevalidate)
		http.Error(w, "not found", status)
		return
	}
	h.serve(w, r, f)
}

// lookup maps a URL path to a file: an existing file; /docs to the API
// reference; a missing asset or API reference file is 404; anything else
// is the app shell (the app routes it in the browser).
func (h *Handler) lookup(urlPath string) (*file, int) {
	if strings.ContainsAny(urlPath, "\x00\\") {
		return nil, http.StatusNotFound
	}
	name := strings.TrimPrefix(path.Clean("/"+urlPath), "/")
	if name == docsPrefix {
		name = docsIndexFile
	}
	if f := h.files[name]; f != nil && fs.ValidPath(name) {
		return f, http.StatusOK
	}
	if name == docsIndexFile || strings.HasPrefix(name, docsPrefix+"/") {
		return nil, http.StatusNotFound
	}
	for _, dir := range immutableDirs {
		if strings.HasPrefix(name, dir) {
			return nil, http.StatusNotFound // a stale hashed name: not the HTML shell
		}
	}
	return h.files[indexFile], http.StatusOK
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request, f *file) {
	hdr := w.Header()
	v := f.identity
	if len(f.compressed) > 0 {
		hdr.Add("Vary", "Accept-Encoding")
		if tok := negotiate(r.Header.Values("Accept-Encoding"), f.compressed); tok != "" {
			v = f.compressed[tok]
			hdr.Set("Content-Encoding", tok)
		}
	}
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("Cache-Control", f.cache)
	hdr.Set("Content-Security-Policy", f.csp)
	hdr.Set("ETag", v.etag)
	body, err := h.fsys.Open(v.name)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	defer body.Close()
	rs, ok := body.(io.ReadSeeker)
	if !ok { // every fs.FS the web package and tests use seeks; read it otherwise
		raw, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		rs = bytes.NewReader(raw)
	}
	// ServeContent answers If-None-Match with 304, ranges, HEAD and the
	// Content-Length; the modification time is unknown (zero).
	http.ServeContent(w, r, "", time.Time{}, rs)
}

// negotiate picks the preferred encoding the Accept-Encoding lines allow
// among those available ("" for identity). A q of 0 refuses a coding; "*"
// stands for codings not named.
func negotiate(lines []string, available map[string]variant) string {
	q := map[string]float64{}
	for _, l := range lines {
		for part := range strings.SplitSeq(l, ",") {
			tok, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			tok = strings.ToLower(strings.TrimSpace(tok))
			if tok == "" {
				continue
			}
			weight := 1.0
			for p := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					var f float64
					if _, err := fmt.Sscanf(strings.TrimSpace(val), "%g", &f); err == nil {
						weight = f
					} else {
						weight = 0
					}
				}
			}
			q[tok] = weight
		}
	}
	best, bestQ := "", 0.0
	for _, e := range encodings {
		if _, ok := available[e.token]; !ok {
			continue
		}
		w, named := q[e.token]
		if !named {
			w, named = q["*"]
		}
		if e.token == "gzip" && !named {
			w, named = q["x-gzip"]
		}
		if named && w > bestQ {
			best, bestQ = e.token, w
		}
	}
	return best
}

// contentType of a file by its extension, with a charset for text.
func contentType(name string) string {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".svg":
		return "image/svg+xml"
	case ".woff2":
		return "font/woff2"
	case ".woff":
		return "font/woff"
	case ".ico":
		return "image/x-icon"
	case ".txt":
		return "text/plain; charset=utf-8"
	case ".webmanifest":
		return "application/manifest+json"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

func cacheFor(name string) string {
	for _, dir := range immutableDirs {
		if strings.HasPrefix(name, dir) {
			return cacheImmutable
		}
	}
	return cacheRevalidate
}

func cspFor(name string) string {
	if strings.HasPrefix(name, docsPrefix+"/") {
		return DocsCSP
	}
	return AppCSP
}
