package auth

import (
	"context"
	"time"

	"github.com/kpbot/kpbot/storage"
)

// UserStore keeps users. Implementations return storage.ErrNotFound for a
// missing user and storage.ErrConflict for a duplicate. Each user has an
// email key and a look-alike skeleton, both unique, which the store derives
// from the address with StoredEmailKeys when it creates the user and never
// changes afterwards.
type UserStore interface {
	// CreateUser inserts u; u.ID is set by the caller. A user whose ID,
	// email key or skeleton is already taken is storage.ErrConflict.
	CreateUser(ctx context.Context, u *User) error
	// UserByID returns the user with the given ID.
	UserByID(ctx context.Context, id string) (*User, error)
	// UserByEmailKey returns the user whose email key is one of keys,
	// preferring the earliest key in keys that matches.
	UserByEmailKey(ctx context.Context, keys ...string) (*User, error)
	// ListUsers returns users ordered by ID, a page at a time.
	ListUsers(ctx context.Context, p storage.ListParams) (storage.Page[User], error)
	// UpdateUser loads the user, applies fn and saves the result in one
	// transaction; an error from fn aborts the update and is returned. The
	// ID and email are not changed.
	UpdateUser(ctx context.Context, id string, fn func(*User) error) (*User, error)
}

// SessionStore keeps sessions and their refresh tokens. Implementations
// return storage.ErrNotFound for a missing session or token.
type SessionStore interface {
	// CreateSession inserts s and its first refresh token together.
	CreateSession(ctx context.Context, s *Session, first RefreshToken) error
	// SessionWithUser returns a session and its user in one lookup: the
	// check every authenticated request makes.
	SessionWithUser(ctx context.Context, sessionID string) (*Session, *User, error)
	// RefreshToken returns a stored token by hash, with its session.
	RefreshToken(ctx context.Context, hash []byte) (*RefreshToken, *Session, error)
	// RotateRefresh marks the token oldHash rotated at now, stores next and
	// sets the session's Generation to next.Generation, LastUsedAt to now and
	// its client to client, atomically. It returns storage.ErrConflict when
	// oldHash was already rotated (a lost race) and changes nothing then.
	RotateRefresh(ctx context.Context, oldHash []byte, next RefreshToken, now time.Time, client ClientInfo) error
	// RevokeSession marks the session revoked at now; revoking twice is not
	// an error.
	RevokeSession(ctx context.Context, sessionID string, now time.Time) error
	// RevokeUserSessions revokes every active session of the user.
	RevokeUserSessions(ctx context.Context, userID string, now time.Time) error
	// ListSessions returns the user's sessions that are active at now,
	// newest first.
	ListSessions(ctx context.Context, userID string, now time.Time) ([]Session, error)
}

// AccessClaims are the claims an access token carries.
type AccessClaims struct {
	UserID    string
	SessionID string
	Role      Role
	TokenID   string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// TokenCodec signs and verifies access tokens.
type TokenCodec interface {
	// Issue signs c into a token string.
	Issue(c AccessClaims) (string, error)
	// Parse verifies token and returns its claims; any failure wraps
	// ErrInvalidToken.
	Parse(token string) (AccessClaims, error)
}

// PasswordHasher hashes and checks passwords. Both calls may block while
// the hasher bounds its concurrency, and honour ctx while they wait.
type PasswordHasher interface {
	// Hash returns a new hash of password.
	Hash(ctx context.Context, password string) ([]byte, error)
	// Compare returns nil when password matches hash and ErrInvalidCredentials
	// when it does not.
	Compare(ctx context.Context, hash []byte, password string) error
}

// Limit is a rate: at most Events in any Window (a sliding window, with
// bursts up to Events).
type Limit struct {
	Events int
	Window time.Duration
}

// Decision is a rate limiter's answer.
type Decision struct {
	Allowed    bool
	RetryAfter time.Duration // when not allowed: how long until one more is
}

// RateLimiter counts events per key. Implementations are safe for
// concurrent use; every one runs the suite in transport/ratelimit/ratelimittest.
type RateLimiter interface {
	// Allow records one event for key when it fits within l.
	Allow(ctx context.Context, key string, l Limit) (Decision, error)
	// Peek reports whether one more event would fit, recording nothing.
	Peek(ctx context.Context, key string, l Limit) (Decision, error)
}
