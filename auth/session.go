package auth

import "time"

// Session is one login: a family of refresh tokens rotated one after the
// other, and every access token issued from them (they carry its ID as sid).
type Session struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	LastUsedAt time.Time // last login or refresh; drives the idle timeout
	ExpiresAt  time.Time // absolute end of the session
	RevokedAt  *time.Time
	UserAgent  string
	IP         string
	Generation int // generation of the session's live refresh token
}

// Active reports whether the session is neither revoked nor past its
// absolute lifetime at now.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt)
}

// RefreshToken is the stored form of one refresh token: only its hash.
type RefreshToken struct {
	Hash       []byte // SHA-256 of the opaque token
	SessionID  string
	CreatedAt  time.Time
	RotatedAt  *time.Time // set once a newer token replaced it
	Generation int        // 1 for the login's token, +1 per rotation
}

// Principal is the authenticated caller of one request.
type Principal struct {
	User      *User
	SessionID string
	TokenID   string
	ExpiresAt time.Time // the access token's expiry
}

// Role returns the caller's current role.
func (p *Principal) Role() Role { return p.User.Role }

// Can reports whether the caller holds permission perm.
func (p *Principal) Can(perm Permission) bool { return p.User.Role.Can(perm) }

// ClientInfo describes where a login or refresh came from.
type ClientInfo struct {
	UserAgent string
	IP        string
}

// Tokens is a freshly issued access/refresh pair.
type Tokens struct {
	AccessToken     string
	RefreshToken    string
	AccessExpiresAt time.Time
	ExpiresIn       time.Duration // lifetime of the access token
}

// AuthResult is what register, login and refresh return.
type AuthResult struct {
	User    *User
	Session *Session
	Tokens  Tokens
}
