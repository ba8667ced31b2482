package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// bodyLimit caps every request body at Config.MaxBodyBytes: a declared
// Content-Length over the cap is refused with 413 before the handler
// runs, and a body that grows past it fails to read (huma answers 413;
// plain handlers get *http.MaxBytesError, which Server.Error maps to 413).
func (s *Server) bodyLimit(next http.Handler) http.Handler {
	limit := s.cfg.MaxBodyBytes
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			stateFrom(r.Context()).bodyTooLarge = true
			tooLarge(limit).write(w)
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &limitedBody{
				ReadCloser: http.MaxBytesReader(w, r.Body, limit),
				st:         stateFrom(r.Context()),
			}
		}
		next.ServeHTTP(w, r)
	})
}

func tooLarge(limit int64) *Problem {
	return NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", limit))
}

// limitedBody notes in the request state that the body went over the
// limit, so a read error deep inside huma still becomes a 413.
type limitedBody struct {
	io.ReadCloser
	st *requestState
}

func (b *limitedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && errors.As(err, &mbe) {
		b.st.bodyTooLarge = true
	}
	return n, err
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
