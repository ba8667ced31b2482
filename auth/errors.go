package auth

import (
	"errors"
	"fmt"
	"time"
)

// Errors the Service returns; the HTTP adapter maps each to a status.
var (
	// ErrInvalidCredentials: wrong email or password (401, same body for both).
	ErrInvalidCredentials = errors.New("invalid email or password")
	// ErrInvalidToken: an access or refresh token that is malformed, forged,
	// expired, or whose session is revoked (401).
	ErrInvalidToken = errors.New("invalid or expired token")
	// ErrTokenReused: a rotated refresh token came back; its session is now
	// revoked (401).
	ErrTokenReused = errors.New("refresh token reuse detected; session revoked")
	// ErrRefreshGrace: the immediate predecessor of the live refresh token was
	// presented within the configured grace window; nothing was revoked (409).
	ErrRefreshGrace = errors.New("refresh token was just rotated")
	// ErrEmailTaken: registration with an email already in use (409).
	ErrEmailTaken = errors.New("email already registered")
	// ErrAccountDisabled: the account is disabled (403).
	ErrAccountDisabled = errors.New("account disabled")
	// ErrForbidden: the caller lacks the permission (403).
	ErrForbidden = errors.New("forbidden")
	// ErrNotFound: no such object visible to the caller (404).
	ErrNotFound = errors.New("not found")
)

// ValidationError reports one invalid input field (422).
type ValidationError struct {
	Field   string
	Message string
}

func (e *ValidationError) Error() string { return fmt.Sprintf("%s: %s", e.Field, e.Message) }

// RateLimitError reports too many attempts (429).
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("too many attempts; retry after %s", e.RetryAfter.Round(time.Second))
}

// UnavailableError reports that a port's backing service cannot answer
// for now, so the request is refused rather than decided without it (503
// with Retry-After): e.g. a rate limiter whose shared store is down and
// which fails closed.
type UnavailableError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("temporarily unavailable; retry after %s: %v", e.RetryAfter.Round(time.Second), e.Err)
}

// Unwrap returns the cause.
func (e *UnavailableError) Unwrap() error { return e.Err }
