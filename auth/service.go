package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Service is the accounts use-case layer: every entry point of the auth
// API. Its methods are grouped by seam: the session flow (sessions.go:
// register, login, refresh, logout, sessions), user administration
// (admin.go), account e-mails (account.go, verify.go, invite.go,
// emailchange.go, delete.go); input rules are in validate.go.
type Service struct {
	cfg       Config
	users     UserStore
	sessions  SessionStore
	accounts  AccountTokenStore // nil: account e-mails are off
	eraser    AccountEraser     // nil: account deletion is off
	changer   EmailChanger      // nil: changes of address are off
	tokens    TokenCodec
	hasher    PasswordHasher
	limiter   RateLimiter
	dummyHash []byte
	cache     *sessionCache // nil when SessionCacheTTL is 0
}

// Stores are the stores the Service keeps its data in. Users and Sessions
// are required; the others are optional and each turns a feature on.
type Stores struct {
	Users    UserStore
	Sessions SessionStore
	// AccountTokens, with Config.Mailbox, enables the account e-mails:
	// password reset, e-mail verification, invitations and change of
	// address. Without both those calls fail with ErrAccountsUnavailable.
	AccountTokens AccountTokenStore
	// Eraser enables account deletion (Config.Runs, when set, cancels the
	// user's active runs first).
	Eraser AccountEraser
	// EmailChanger enables changes of address (RequestEmailChange).
	EmailChanger EmailChanger
}

// NewService builds a Service. stores.Users, stores.Sessions, tokens and
// hasher are required; limiter may be nil to disable the per-account
// failed-login and reset limits.
func NewService(ctx context.Context, cfg Config, stores Stores, tokens TokenCodec, hasher PasswordHasher, limiter RateLimiter) (*Service, error) {
	switch {
	case stores.Users == nil:
		return nil, errors.New("auth: nil Stores.Users")
	case stores.Sessions == nil:
		return nil, errors.New("auth: nil Stores.Sessions")
	case tokens == nil:
		return nil, errors.New("auth: nil TokenCodec")
	case hasher == nil:
		return nil, errors.New("auth: nil PasswordHasher")
	}
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
		cfg: cfg.withDefaults(), users: stores.Users, sessions: stores.Sessions,
		accounts: stores.AccountTokens, eraser: stores.Eraser, changer: stores.EmailChanger,
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

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

func newID() string { return uuid.Must(uuid.NewV7()).String() }
