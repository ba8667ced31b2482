package openai

import (
	"errors"
	"fmt"
	"time"

	"github.com/kpbot/kpbot/agents"
)

// ErrBadResponse means the server answered 200 with a body that is not a usable
// chat completion (malformed JSON, no choices, empty message). Not retried.
var ErrBadResponse = errors.New("openai: unusable chat completion response")

// APIError is a non-2xx answer from the server. A 429 unwraps to
// agents.ErrRateLimited.
type APIError struct {
	StatusCode int           // the HTTP status
	Type       string        // the error type the server reported, if any
	Code       string        // the error code the server reported, if any
	Message    string        // the server's message, or the start of its body
	RetryAfter time.Duration // the Retry-After the server asked for, if any
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("openai: HTTP %d", e.StatusCode)
	if e.Type != "" {
		msg += " " + e.Type
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// Unwrap lets errors.Is(err, agents.ErrRateLimited) see a 429.
func (e *APIError) Unwrap() error {
	if e.StatusCode == 429 {
		return agents.ErrRateLimited
	}
	return nil
}

// Temporary reports whether the request may succeed if retried.
func (e *APIError) Temporary() bool {
	return e.StatusCode == 429 || e.StatusCode == 408 || e.StatusCode >= 500
}
