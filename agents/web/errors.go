package web

import (
	"errors"
	"fmt"
)

// Errors returned (wrapped) by Fetch, Discover and Extract; test with errors.Is.
var (
	// ErrDisallowedByRobots: the site's robots.txt forbids the URL to our agent.
	ErrDisallowedByRobots = errors.New("disallowed by robots.txt")
	// ErrBlockedAddress: the URL resolves to an address the guard refuses
	// (loopback, private, link-local, metadata, ...).
	ErrBlockedAddress = errors.New("blocked address")
	// ErrTooLarge: the response body is larger than Config.MaxBodyBytes.
	ErrTooLarge = errors.New("response body too large")
	// ErrUnsupportedContentType: the response is not one of the accepted media types.
	ErrUnsupportedContentType = errors.New("unsupported content type")
	// ErrTooManyRedirects: more redirects than Config.MaxRedirects.
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrUnsupportedScheme: the URL is not http or https.
	ErrUnsupportedScheme = errors.New("unsupported URL scheme")
	// ErrTimeout: one request took longer than Config.Timeout. The error
	// also matches context.DeadlineExceeded.
	ErrTimeout = errors.New("request timed out")
	// ErrNoContent: Extract found no readable text in the page.
	ErrNoContent = errors.New("no readable content")
)

// HTTPError is returned by Fetch for a final response outside 2xx.
type HTTPError struct {
	// Status is the HTTP status code.
	Status int
	// URL is the URL that answered with Status (after redirects).
	URL string
}

// Error describes the status and URL.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("http status %d from %s", e.Status, e.URL)
}
