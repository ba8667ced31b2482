package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/kpbot/kpbot/storage"
)

// This file is the session flow of the Service: register, login, refresh,
// authenticate, logout and the caller's sessions.

// RegisterInput is a self-service sign-up. It has no role: new users are
// always RoleUser.
type RegisterInput struct {
	Email    string
	Password string
	Name     string
}

// Register creates a user with RoleUser and opens a first session; with
// Config.InviteOnly it is ErrRegistrationClosed.
//
// The address is normalised by ParseEmail; one whose key or look-alike
// skeleton is already an account's is ErrEmailTaken, the same answer as an
// exact duplicate.
func (s *Service) Register(ctx context.Context, in RegisterInput, client ClientInfo) (*AuthResult, error) {
	if s.cfg.InviteOnly {
		return nil, ErrRegistrationClosed
	}
	email, err := ParseEmail(in.Email)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(in.Password); err != nil {
		return nil, err
	}
	name, err := normalizeName(in.Name)
	if err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, fmt.Errorf("register: hash password: %w", err)
	}
	now := s.now()
	u := &User{
		ID: newID(), Email: email.Address, Name: name, Role: RoleUser,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now,
	}
	if err := s.users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil, ErrEmailTaken
		}
		return nil, fmt.Errorf("register: create user: %w", err)
	}
	if s.AccountsEnabled() {
		_ = s.sendVerification(ctx, u) // the account works without it; the user can ask again
	}
	return s.openSession(ctx, u, client)
}

// Login checks email and password and opens a session. Unknown emails and
// wrong passwords cost the same and fail the same way; each failure counts
// against the email's failed-login limit whether or not the account exists.
// The account is found by the address's exact key (ParseEmail), or by the
// legacy key of an address stored before normalisation (LegacyEmailKey);
// never by its look-alike skeleton. Input that is no address at all (empty,
// over-long, control characters) fails at once without a lookup.
func (s *Service) Login(ctx context.Context, email, password string, client ClientInfo) (*AuthResult, error) {
	keys := loginKeys(email)
	if keys == nil || password == "" || len(password) > MaxPasswordBytes {
		return nil, ErrInvalidCredentials
	}
	failKey := "login-failures:" + keys[len(keys)-1] // the canonical key when there is one
	failLimit := Limit{Events: s.cfg.LoginMaxFailures, Window: s.cfg.LoginFailureWindow}
	if s.limiter != nil && s.cfg.LoginMaxFailures > 0 {
		d, err := s.limiter.Peek(ctx, failKey, failLimit)
		if err != nil {
			return nil, fmt.Errorf("login: check failure limit: %w", err)
		}
		if !d.Allowed {
			return nil, &RateLimitError{RetryAfter: d.RetryAfter}
		}
	}
	u, err := s.users.UserByEmailKey(ctx, keys...)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		u = nil
	case err != nil:
		return nil, fmt.Errorf("login: load user: %w", err)
	}
	hash := s.dummyHash
	if u != nil {
		hash = u.PasswordHash
	}
	cmpErr := s.hasher.Compare(ctx, hash, password)
	if cmpErr != nil && !errors.Is(cmpErr, ErrInvalidCredentials) {
		return nil, fmt.Errorf("login: compare password: %w", cmpErr)
	}
	if u == nil || cmpErr != nil {
		if s.limiter != nil && s.cfg.LoginMaxFailures > 0 {
			if _, err := s.limiter.Allow(ctx, failKey, failLimit); err != nil {
				return nil, fmt.Errorf("login: record failure: %w", err)
			}
		}
		return nil, ErrInvalidCredentials
	}
	if u.Disabled {
		return nil, ErrAccountDisabled
	}
	return s.openSession(ctx, u, client)
}

// Refresh trades a live refresh token for a new pair and retires the old
// token. A token that was already rotated revokes its whole session, unless
// it is the live token's immediate predecessor presented within the grace
// window, which answers ErrRefreshGrace and revokes nothing.
func (s *Service) Refresh(ctx context.Context, refreshToken string, client ClientInfo) (*AuthResult, error) {
	if len(refreshToken) != refreshTokenLen {
		return nil, ErrInvalidToken
	}
	hash := HashRefreshToken(refreshToken)
	tok, sess, err := s.sessions.RefreshToken(ctx, hash)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrInvalidToken
	}
	if err != nil {
		return nil, fmt.Errorf("refresh: load token: %w", err)
	}
	now := s.now()
	if !s.sessionUsable(sess, now) {
		return nil, ErrInvalidToken
	}
	if tok.RotatedAt != nil {
		return nil, s.reused(ctx, tok, sess, now)
	}
	_, u, err := s.sessions.SessionWithUser(ctx, sess.ID)
	if err != nil {
		return nil, fmt.Errorf("refresh: load user: %w", err)
	}
	if u.Disabled {
		return nil, ErrInvalidToken
	}
	raw, next := newRefreshToken(sess.ID, tok.Generation+1, now)
	err = s.sessions.RotateRefresh(ctx, hash, next, now, client)
	if errors.Is(err, storage.ErrConflict) {
		// Another request rotated this token first: it is a reuse now.
		tok.RotatedAt = &now
		sess.Generation = tok.Generation + 1
		return nil, s.reused(ctx, tok, sess, now)
	}
	if err != nil {
		return nil, fmt.Errorf("refresh: rotate: %w", err)
	}
	sess.Generation, sess.LastUsedAt = next.Generation, now
	sess.UserAgent, sess.IP = client.UserAgent, client.IP
	return s.issue(u, sess, raw, now)
}

func (s *Service) reused(ctx context.Context, tok *RefreshToken, sess *Session, now time.Time) error {
	if g := s.cfg.RefreshReuseGrace; g > 0 && tok.Generation == sess.Generation-1 && now.Sub(*tok.RotatedAt) <= g {
		return ErrRefreshGrace
	}
	if err := s.sessions.RevokeSession(ctx, sess.ID, now); err != nil {
		return fmt.Errorf("refresh: revoke reused session: %w", err)
	}
	s.invalidate(ctx, "session:"+sess.ID)
	return ErrTokenReused
}

// Authenticate verifies an access token and that its session is still live
// (one indexed lookup), and returns the caller with the user's current role.
func (s *Service) Authenticate(ctx context.Context, accessToken string) (*Principal, error) {
	c, err := s.tokens.Parse(accessToken)
	if err != nil {
		return nil, ErrInvalidToken
	}
	now := s.now()
	sess, u, cached := (*Session)(nil), (*User)(nil), false
	if s.cache != nil {
		sess, u, cached = s.cache.get(c.SessionID, now)
	}
	if !cached {
		sess, u, err = s.sessions.SessionWithUser(ctx, c.SessionID)
		if errors.Is(err, storage.ErrNotFound) {
			return nil, ErrInvalidToken
		}
		if err != nil {
			return nil, fmt.Errorf("authenticate: load session: %w", err)
		}
		if s.cache != nil && sess.Active(now) && !u.Disabled {
			s.cache.put(sess, u, now)
		}
	}
	if sess.UserID != c.UserID || !sess.Active(now) || u.Disabled {
		return nil, ErrInvalidToken
	}
	return &Principal{User: u, SessionID: sess.ID, TokenID: c.TokenID, ExpiresAt: c.ExpiresAt}, nil
}

// Logout revokes the caller's session and, when refreshToken belongs to
// another live session of the same user, that session too.
func (s *Service) Logout(ctx context.Context, p *Principal, refreshToken string) error {
	now := s.now()
	if err := s.sessions.RevokeSession(ctx, p.SessionID, now); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	s.invalidate(ctx, "session:"+p.SessionID)
	if len(refreshToken) != refreshTokenLen {
		return nil
	}
	_, sess, err := s.sessions.RefreshToken(ctx, HashRefreshToken(refreshToken))
	if err != nil || sess.UserID != p.User.ID || sess.ID == p.SessionID {
		return nil //nolint:nilerr // an unknown or foreign token is ignored on logout
	}
	if err := s.sessions.RevokeSession(ctx, sess.ID, now); err != nil {
		return fmt.Errorf("logout: revoke presented session: %w", err)
	}
	s.invalidate(ctx, "session:"+sess.ID)
	return nil
}

// Sessions lists the caller's active sessions, newest first.
func (s *Service) Sessions(ctx context.Context, p *Principal) ([]Session, error) {
	out, err := s.sessions.ListSessions(ctx, p.User.ID, s.now())
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return out, nil
}

// RevokeSession revokes one of the caller's own sessions; another user's
// session, or an unknown one, is ErrNotFound.
func (s *Service) RevokeSession(ctx context.Context, p *Principal, sessionID string) error {
	sess, _, err := s.sessions.SessionWithUser(ctx, sessionID)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	if sess.UserID != p.User.ID {
		return ErrNotFound
	}
	if err := s.sessions.RevokeSession(ctx, sessionID, s.now()); err != nil {
		return fmt.Errorf("revoke session: %w", err)
	}
	s.invalidate(ctx, "session:"+sessionID)
	return nil
}

func (s *Service) openSession(ctx context.Context, u *User, client ClientInfo) (*AuthResult, error) {
	now := s.now()
	sess := &Session{
		ID: newID(), UserID: u.ID, CreatedAt: now, LastUsedAt: now,
		ExpiresAt: now.Add(s.cfg.SessionMaxLifetime),
		UserAgent: client.UserAgent, IP: client.IP, Generation: 1,
	}
	raw, first := newRefreshToken(sess.ID, 1, now)
	if err := s.sessions.CreateSession(ctx, sess, first); err != nil {
		return nil, fmt.Errorf("open session: %w", err)
	}
	return s.issue(u, sess, raw, now)
}

func (s *Service) issue(u *User, sess *Session, refresh string, now time.Time) (*AuthResult, error) {
	exp := now.Add(s.cfg.AccessTTL)
	if exp.After(sess.ExpiresAt) {
		exp = sess.ExpiresAt
	}
	at, err := s.tokens.Issue(AccessClaims{
		UserID: u.ID, SessionID: sess.ID, Role: u.Role, TokenID: newID(),
		IssuedAt: now, ExpiresAt: exp,
	})
	if err != nil {
		return nil, fmt.Errorf("issue access token: %w", err)
	}
	return &AuthResult{User: u, Session: sess, Tokens: Tokens{
		AccessToken: at, RefreshToken: refresh, AccessExpiresAt: exp, ExpiresIn: exp.Sub(now),
	}}, nil
}

func (s *Service) sessionUsable(sess *Session, now time.Time) bool {
	return sess.Active(now) && now.Before(sess.LastUsedAt.Add(s.cfg.SessionIdleTimeout))
}

// HashRefreshToken returns the stored form of a refresh token.
func HashRefreshToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

func newRefreshToken(sessionID string, gen int, now time.Time) (string, RefreshToken) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	raw := base64.RawURLEncoding.EncodeToString(b)
	return raw, RefreshToken{Hash: HashRefreshToken(raw), SessionID: sessionID, CreatedAt: now, Generation: gen}
}
