package web

import (
	"bytes"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"strings"
)

// readCapped reads at most limit bytes of r. When the body is longer it
// returns the first limit bytes if truncate is set, else ErrTooLarge, in
// both cases without reading more than limit+1 bytes.
func readCapped(r io.Reader, limit, contentLength int64, truncate bool) ([]byte, error) {
	limit = min(limit, math.MaxInt64-1)
	var buf bytes.Buffer
	if contentLength > 0 && contentLength <= limit {
		buf.Grow(int(contentLength))
	}
	n, err := io.Copy(&buf, io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if n > limit {
		if truncate {
			return buf.Bytes()[:limit], nil
		}
		return nil, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	return buf.Bytes(), nil
}

// cappedReader reads at most left bytes and fails with ErrTooLarge when
// the body has more.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		if n, _ := io.ReadFull(c.r, one[:]); n > 0 {
			return 0, fmt.Errorf("%w: body over the size cap", ErrTooLarge)
		}
		return 0, io.EOF
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// mediaType returns the lower-case media type of a Content-Type value.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt, _, _ = strings.Cut(contentType, ";")
	}
	return strings.ToLower(strings.TrimSpace(mt))
}

// acceptable reports whether media type mt matches one of accept
// ("type/subtype", "type/*" or "*/*").
func acceptable(mt string, accept []string) bool {
	for _, a := range accept {
		a = strings.ToLower(strings.TrimSpace(a))
		switch {
		case a == "*/*" || a == mt:
			return true
		case strings.HasSuffix(a, "/*") && strings.HasPrefix(mt, strings.TrimSuffix(a, "*")):
			return true
		}
	}
	return false
}

// sniffType guesses a missing Content-Type from the body.
func sniffType(body []byte) string {
	return http.DetectContentType(body)
}
