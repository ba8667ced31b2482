package auth

import (
	"errors"
	"time"
)

// Config tunes the Service. Zero fields take the documented defaults.
type Config struct {
	AccessTTL          time.Duration // access token lifetime; default 15m
	SessionIdleTimeout time.Duration // a session unused this long ends; default 7 days
	SessionMaxLifetime time.Duration // absolute session lifetime; default 30 days
	RefreshReuseGrace  time.Duration // see docs/contract.md, refresh; default 0
	LoginMaxFailures   int           // failed logins per account per LoginFailureWindow; default 10
	LoginFailureWindow time.Duration // default 15m
	// SessionCacheTTL, when positive, lets Authenticate reuse a session
	// lookup for this long. Revocations on this instance drop the entry at
	// once; other instances drop it when Revocations announces it, or at
	// worst after the TTL. Zero: every request looks the session up.
	SessionCacheTTL time.Duration
	// SessionCacheMax bounds the cached sessions; default 100,000.
	SessionCacheMax int
	// Revocations, when set, carries revocations between instances for the
	// session cache (see Service.WatchRevocations).
	Revocations Revocations
	// Mailbox, with Stores.AccountTokens, enables the account e-mails:
	// password reset, e-mail verification, invitations and change of
	// address. Without both those calls fail with ErrAccountsUnavailable.
	Mailbox Mailbox
	// Notices, when set, gets a notification for the user on account
	// changes (a new password).
	Notices Notices
	// ResetMaxPerAddress bounds the reset links sent to one address per
	// ResetWindow; beyond it ForgotPassword silently sends nothing.
	// Default 3 per 15 minutes; negative disables the bound.
	ResetMaxPerAddress int
	ResetWindow        time.Duration
	// Runs, when set, cancels a user's active runs before their account
	// is deleted (Stores.Eraser).
	Runs RunCanceller
	// InviteOnly turns self-service registration off (Register answers
	// ErrRegistrationClosed); accounts come from invitations.
	InviteOnly bool
	// RequireVerifiedEmail keeps users whose address is not verified from
	// starting runs (CanStartRuns); they can still sign in.
	RequireVerifiedEmail bool
	Now                  func() time.Time
}

func (c Config) withDefaults() Config {
	if c.AccessTTL == 0 {
		c.AccessTTL = 15 * time.Minute
	}
	if c.SessionIdleTimeout == 0 {
		c.SessionIdleTimeout = 7 * 24 * time.Hour
	}
	if c.SessionMaxLifetime == 0 {
		c.SessionMaxLifetime = 30 * 24 * time.Hour
	}
	if c.LoginMaxFailures == 0 {
		c.LoginMaxFailures = 10
	}
	if c.LoginFailureWindow == 0 {
		c.LoginFailureWindow = 15 * time.Minute
	}
	if c.ResetMaxPerAddress == 0 {
		c.ResetMaxPerAddress = 3
	}
	if c.ResetWindow == 0 {
		c.ResetWindow = 15 * time.Minute
	}
	if c.SessionCacheMax == 0 {
		c.SessionCacheMax = 100_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports a configuration the Service cannot run with.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.AccessTTL < 0, c.SessionIdleTimeout < 0, c.SessionMaxLifetime < 0, c.RefreshReuseGrace < 0:
		return errors.New("auth config: durations must not be negative")
	case c.AccessTTL > c.SessionMaxLifetime:
		return errors.New("auth config: access token lifetime exceeds session lifetime")
	case c.LoginMaxFailures < 0:
		return errors.New("auth config: LoginMaxFailures must not be negative")
	case c.SessionCacheTTL < 0 || c.SessionCacheMax < 0:
		return errors.New("auth config: the session cache TTL and size must not be negative")
	}
	return nil
}
