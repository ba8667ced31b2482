package httpapi

import (
	"errors"
	"fmt"
	"io"
	"net"
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
	if err == nil || err == io.EOF { //nolint:errorlint // Read returns io.EOF itself, unwrapped
		return n, err
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		b.st.bodyTooLarge = true
		return n, err
	}
	b.st.bodyUnreadable = true
	return n, &BodyReadError{Err: err}
}

// BodyReadError is a request body that could not be read to its end: a
// malformed chunked encoding, a client that stopped sending. It is the
// client's fault (400; 408 on a read timeout), never a 500.
type BodyReadError struct{ Err error }

// Error describes the failed read.
func (e *BodyReadError) Error() string { return "read request body: " + e.Err.Error() }

// Unwrap returns the read error.
func (e *BodyReadError) Unwrap() error { return e.Err }

// bodyReadProblem is the answer to a body that could not be read.
func bodyReadProblem(err error) *Problem {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return NewProblem(http.StatusRequestTimeout, "the request body was not received in time")
	}
	return NewProblem(http.StatusBadRequest, "the request body could not be read: malformed (for example its chunked encoding) or cut short")
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
