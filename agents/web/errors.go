package web

import (
	"context"
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

// Fetch failure reasons, as FailureReason names them.
const (
	ReasonRobots      = "robots"             // robots.txt disallows the URL
	ReasonBlocked     = "blocked_address"    // the address guard (SSRF) refused it
	ReasonNotFound    = "not_found"          // HTTP 404 or 410
	ReasonForbidden   = "forbidden"          // HTTP 401 or 403
	ReasonRateLimited = "rate_limited"       // HTTP 429
	ReasonServerError = "server_error"       // HTTP 5xx
	ReasonHTTPStatus  = "http_status"        // another status outside 2xx
	ReasonTimeout     = "timeout"            // the request took longer than Config.Timeout
	ReasonTooLarge    = "too_large"          // the body is over Config.MaxBodyBytes
	ReasonContentType = "content_type"       // not an HTML page (or not the type asked for)
	ReasonRedirects   = "too_many_redirects" // more than Config.MaxRedirects
	ReasonScheme      = "bad_url"            // not an http(s) URL
	ReasonNoContent   = "no_content"         // fetched, but no readable text
	ReasonNetwork     = "network"            // DNS, connection or transfer failure
)

// FailureReason names why a Fetch, Discover or Extract failed, one of the
// Reason* constants, for counting failures by cause.
func FailureReason(err error) string {
	var he *HTTPError
	switch {
	case err == nil:
		return ""
	case errors.Is(err, ErrDisallowedByRobots):
		return ReasonRobots
	case errors.Is(err, ErrBlockedAddress):
		return ReasonBlocked
	case errors.As(err, &he):
		switch {
		case he.Status == 404 || he.Status == 410:
			return ReasonNotFound
		case he.Status == 401 || he.Status == 403:
			return ReasonForbidden
		case he.Status == 429:
			return ReasonRateLimited
		case he.Status >= 500:
			return ReasonServerError
		}
		return ReasonHTTPStatus
	case errors.Is(err, ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return ReasonTimeout
	case errors.Is(err, ErrTooLarge):
		return ReasonTooLarge
	case errors.Is(err, ErrUnsupportedContentType):
		return ReasonContentType
	case errors.Is(err, ErrTooManyRedirects):
		return ReasonRedirects
	case errors.Is(err, ErrUnsupportedScheme):
		return ReasonScheme
	case errors.Is(err, ErrNoContent):
		return ReasonNoContent
	}
	return ReasonNetwork
}
