package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/kpbot/kpbot/storage"
)

// Input bounds the service enforces.
const (
	MinPasswordChars = 8
	MaxPasswordBytes = 1024 // passwords are pre-hashed, so bcrypt's 72-byte limit does not apply
	MaxNameChars     = 100
	refreshTokenLen  = 43 // base64url of 32 random bytes
)

// Service is the accounts use-case layer: every entry point of the auth API.
type Service struct {
	cfg       Config
	users     UserStore
	sessions  SessionStore
	tokens    TokenCodec
	hasher    PasswordHasher
	limiter   RateLimiter
	dummyHash []byte
	cache     *sessionCache // nil when SessionCacheTTL is 0
}

// NewService builds a Service. limiter may be nil to disable the per-account
// failed-login limit.
func NewService(ctx context.Context, cfg Config, users UserStore, sessions SessionStore, tokens TokenCodec, hasher PasswordHasher, limiter RateLimiter) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// A hash to compare against when the email is unknown, so that a wrong
	// email costs the same bcrypt comparison as a wrong password.
	dummy, err := hasher.Hash(ctx, rand.Text())
	if err != nil {
		return nil, fmt.Errorf("auth: prepare dummy hash: %w", err)
	}
	s := &Service{
		cfg: cfg.withDefaults(), users: users, sessions: sessions,
		tokens: tokens, hasher: hasher, limiter: limiter, dummyHash: dummy,
	}
	if s.cfg.SessionCacheTTL > 0 {
		s.cache = newSessionCache(s.cfg.SessionCacheTTL, s.cfg.SessionCacheMax)
	}
	return s, nil
}

// WatchRevocations applies revocations announced by other instances to
// the session cache until ctx ends. Run it in a goroutine when both
// SessionCacheTTL and Revocations are set; it returns at once otherwise.
func (s *Service) WatchRevocations(ctx context.Context) error {
	if s.cache == nil || s.cfg.Revocations == nil {
		return nil
	}
	keys, err := s.cfg.Revocations.Watch(ctx)
	if err != nil {
		return fmt.Errorf("watch revocations: %w", err)
	}
	for key := range keys {
		s.cache.drop(key)
	}
	s.cache.drop("*") // the feed ended: nothing cached can be trusted now
	return nil
}

// invalidate drops cached lookups named by key here and announces it to
// the other instances. An announcement that fails leaves them to the TTL.
func (s *Service) invalidate(ctx context.Context, key string) {
	if s.cache == nil {
		return
	}
	s.cache.drop(key)
	if s.cfg.Revocations != nil {
		_ = s.cfg.Revocations.Announce(context.WithoutCancel(ctx), key)
	}
}

// AccessTTL returns the configured access token lifetime.
func (s *Service) AccessTTL() time.Duration { return s.cfg.AccessTTL }

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

// ListUsers returns a page of all users; admins only.
func (s *Service) ListUsers(ctx context.Context, p *Principal, lp ListParams) (Page[User], error) {
	if !p.Can(PermUsersManage) {
		return Page[User]{}, ErrForbidden
	}
	lp.Limit = ClampLimit(lp.Limit)
	page, err := s.users.ListUsers(ctx, lp)
	if err != nil {
		return Page[User]{}, fmt.Errorf("list users: %w", err)
	}
	return page, nil
}

// UpdateUser changes a user's role or disabled flag; admins only. Disabling
// a user revokes all of their sessions. Admins cannot demote or disable
// themselves, so the last admin cannot lock everyone out by accident.
func (s *Service) UpdateUser(ctx context.Context, p *Principal, id string, patch UserPatch) (*User, error) {
	if !p.Can(PermUsersManage) {
		return nil, ErrForbidden
	}
	if patch.Role != nil && !patch.Role.Valid() {
		return nil, &ValidationError{Field: "role", Message: "must be one of user, moderator, admin"}
	}
	if id == p.User.ID {
		if patch.Role != nil && *patch.Role != RoleAdmin {
			return nil, &ValidationError{Field: "role", Message: "admins cannot change their own role"}
		}
		if patch.Disabled != nil && *patch.Disabled {
			return nil, &ValidationError{Field: "disabled", Message: "admins cannot disable themselves"}
		}
	}
	now := s.now()
	u, err := s.users.UpdateUser(ctx, id, func(u *User) error {
		if patch.Role != nil {
			u.Role = *patch.Role
		}
		if patch.Disabled != nil {
			u.Disabled = *patch.Disabled
		}
		u.UpdatedAt = now
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("update user: %w", err)
	}
	if u.Disabled {
		if err := s.sessions.RevokeUserSessions(ctx, u.ID, now); err != nil {
			return nil, fmt.Errorf("update user: revoke sessions: %w", err)
		}
	}
	s.invalidate(ctx, "user:"+u.ID) // role or disabled changed: no cached copy may keep the old one
	return u, nil
}

// EnsureAdmin creates an admin with email and password, or makes the
// existing account with that email (found as Login finds it) an enabled
// admin with that password. An address that only looks like another
// account's is ErrEmailTaken.
func (s *Service) EnsureAdmin(ctx context.Context, email, password string) (*User, error) {
	parsed, err := ParseEmail(email)
	if err != nil {
		return nil, err
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("ensure admin: hash password: %w", err)
	}
	now := s.now()
	existing, err := s.users.UserByEmailKey(ctx, LegacyEmailKey(email), parsed.Key)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		u := &User{ID: newID(), Email: parsed.Address, Role: RoleAdmin, PasswordHash: hash, CreatedAt: now, UpdatedAt: now}
		if err := s.users.CreateUser(ctx, u); errors.Is(err, storage.ErrConflict) {
			return nil, fmt.Errorf("ensure admin: %w: the address looks like an existing account's", ErrEmailTaken)
		} else if err != nil {
			return nil, fmt.Errorf("ensure admin: create: %w", err)
		}
		return u, nil
	case err != nil:
		return nil, fmt.Errorf("ensure admin: load: %w", err)
	}
	u, err := s.users.UpdateUser(ctx, existing.ID, func(u *User) error {
		u.Role, u.Disabled, u.PasswordHash, u.UpdatedAt = RoleAdmin, false, hash, now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ensure admin: update: %w", err)
	}
	s.invalidate(ctx, "user:"+u.ID)
	return u, nil
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

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

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

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// ClampLimit applies the list defaults: 50 when unset, at most 200.
func ClampLimit(n int) int {
	switch {
	case n <= 0:
		return 50
	case n > 200:
		return 200
	}
	return n
}

// ValidatePassword checks the password rules: 8 to 1024 bytes of valid
// UTF-8 with at least 8 characters and no NUL.
func ValidatePassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return &ValidationError{Field: "password", Message: "must be valid UTF-8"}
	case strings.ContainsRune(pw, 0):
		return &ValidationError{Field: "password", Message: "must not contain NUL characters"}
	case utf8.RuneCountInString(pw) < MinPasswordChars:
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at least %d characters", MinPasswordChars)}
	case len(pw) > MaxPasswordBytes:
		return &ValidationError{Field: "password", Message: fmt.Sprintf("must be at most %d bytes", MaxPasswordBytes)}
	}
	return nil
}

func normalizeName(name string) (string, error) {
	n := strings.TrimSpace(name)
	if !utf8.ValidString(n) || strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return "", &ValidationError{Field: "name", Message: "must not contain control characters"}
	}
	if utf8.RuneCountInString(n) > MaxNameChars {
		return "", &ValidationError{Field: "name", Message: fmt.Sprintf("must be at most %d characters", MaxNameChars)}
	}
	return n, nil
}
