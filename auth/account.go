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

// TokenPurpose says what an account token (a link sent by e-mail) is for.
type TokenPurpose string

// The purposes of account tokens.
const (
	PurposePasswordReset TokenPurpose = "password_reset"
	PurposeVerifyEmail   TokenPurpose = "verify_email"
	PurposeEmailChange   TokenPurpose = "email_change"
	PurposeInvitation    TokenPurpose = "invitation"
)

// accountTokenLen is the length of a raw account token: base64url of 32
// random bytes (256 bits).
const accountTokenLen = 43

// AccountToken is the stored form of a token sent by e-mail: only its hash.
type AccountToken struct {
	Hash    []byte // SHA-256 of the raw token
	Purpose TokenPurpose
	UserID  string // empty for an invitation, or a reset asked for an unknown address
	Email   string // the address the token was sent to
	Role    Role   // invitations: the role the new account gets
	// CreatedAt and ExpiresAt bound the token's life; UsedAt is set when
	// it is used or retired.
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
}

// AccountTokenStore keeps account tokens. Implementations return
// storage.ErrNotFound for a token that is unknown, used or expired.
type AccountTokenStore interface {
	// CreateAccountToken inserts t and, in the same transaction, retires
	// (marks used at t.CreatedAt) every unused token of the same purpose
	// for the same user, or for the same address when t has no user.
	CreateAccountToken(ctx context.Context, t *AccountToken) error
	// ConsumeAccountToken marks the unused, unexpired token with hash and
	// purpose used at now and returns it, in one statement, so a token is
	// used once however many requests race for it.
	ConsumeAccountToken(ctx context.Context, hash []byte, purpose TokenPurpose, now time.Time) (*AccountToken, error)
	// RetireAccountTokens marks every unused token of the user with
	// purpose used at now.
	RetireAccountTokens(ctx context.Context, userID string, purpose TokenPurpose, now time.Time) error
}

// EmailKind names an account e-mail.
type EmailKind string

// The account e-mails the Service sends.
const (
	EmailPasswordReset        EmailKind = "password_reset"         // Token: a reset link
	EmailPasswordResetUnknown EmailKind = "password_reset_unknown" // a reset asked for an address with no account
	EmailPasswordChanged      EmailKind = "password_changed"       // a notice
	EmailVerify               EmailKind = "verify_email"           // Token: a verification link
	EmailInvitation           EmailKind = "invitation"             // Token: an invitation link; Role
	EmailChange               EmailKind = "email_change"           // Token: a confirmation link, sent to the new address (Email)
	EmailChangeNotice         EmailKind = "email_change_notice"    // a notice to the old address; Email is the new one
)

// AccountEmail is one e-mail the Service asks to send.
type AccountEmail struct {
	Kind  EmailKind
	To    string
	Name  string
	Token string // the raw token of a link; empty for notices
	Email string // the address the e-mail is about, when not To
	Role  Role
}

// Mailbox takes the Service's e-mails. SendAccountEmail must return
// quickly and keep the e-mail durably (a job queue), never wait for
// delivery: requests call it.
type Mailbox interface {
	SendAccountEmail(ctx context.Context, e AccountEmail) error
}

// Notices tells a user about a change to their account inside the app (a
// notification). Failures are logged by the implementation, not returned.
type Notices interface {
	AccountNotice(ctx context.Context, userID, title, body string)
}

// Account errors.
var (
	// ErrBadAccountToken: a reset, verification, change or invitation
	// token that is unknown, used or expired (400, one detail for all).
	ErrBadAccountToken = errors.New("invalid or expired link")
	// ErrAccountsUnavailable: the Service has no AccountTokens or Mailbox.
	ErrAccountsUnavailable = errors.New("account e-mails are not configured")
)

// PasswordResetTTL is how long a reset link works.
const PasswordResetTTL = 30 * time.Minute

// AccountsEnabled reports whether the Service can send account e-mails
// (Stores.AccountTokens and Config.Mailbox are set).
func (s *Service) AccountsEnabled() bool {
	return s.accounts != nil && s.cfg.Mailbox != nil
}

// ChangePassword sets a new password after checking the current one,
// revokes every other session of the user (on every instance, as logout
// does), retires outstanding reset links and tells the user by
// notification and e-mail. A wrong current password is a ValidationError on
// current_password and counts against the account's failed-login limit.
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string) error {
	if err := validateNewPassword(next); err != nil {
		return err
	}
	if err := s.checkPassword(ctx, p.User, current, "current_password"); err != nil {
		return err
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("change password: hash: %w", err)
	}
	u, err := s.setPassword(ctx, p.User.ID, hash)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	now := s.now()
	sessions, err := s.sessions.ListSessions(ctx, u.ID, now)
	if err != nil {
		return fmt.Errorf("change password: list sessions: %w", err)
	}
	for _, se := range sessions {
		if se.ID == p.SessionID {
			continue
		}
		if err := s.sessions.RevokeSession(ctx, se.ID, now); err != nil {
			return fmt.Errorf("change password: revoke session: %w", err)
		}
		s.invalidate(ctx, "session:"+se.ID)
	}
	s.invalidate(ctx, "user:"+u.ID)
	s.passwordChanged(ctx, u)
	return nil
}

// checkPassword compares password with u's, counting a failure against
// the account's failed-login limit. A wrong password is a ValidationError
// on field (not ErrInvalidCredentials: the caller is signed in, and a 401
// would read as an expired session).
func (s *Service) checkPassword(ctx context.Context, u *User, password, field string) error {
	wrong := &ValidationError{Field: field, Message: "is not the account's password"}
	failKey := "login-failures:" + emailKeyOf(u.Email)
	failLimit := Limit{Events: s.cfg.LoginMaxFailures, Window: s.cfg.LoginFailureWindow}
	if s.limiter != nil && s.cfg.LoginMaxFailures > 0 {
		d, err := s.limiter.Peek(ctx, failKey, failLimit)
		if err != nil {
			return fmt.Errorf("check password: failure limit: %w", err)
		}
		if !d.Allowed {
			return &RateLimitError{RetryAfter: d.RetryAfter}
		}
	}
	if password == "" || len(password) > MaxPasswordBytes {
		return wrong
	}
	err := s.hasher.Compare(ctx, u.PasswordHash, password)
	if errors.Is(err, ErrInvalidCredentials) {
		if s.limiter != nil && s.cfg.LoginMaxFailures > 0 {
			if _, lerr := s.limiter.Allow(ctx, failKey, failLimit); lerr != nil {
				return fmt.Errorf("check password: record failure: %w", lerr)
			}
		}
		return wrong
	}
	if err != nil {
		return fmt.Errorf("check password: %w", err)
	}
	return nil
}

func emailKeyOf(address string) string {
	if e, err := ParseEmail(address); err == nil {
		return e.Key
	}
	return LegacyEmailKey(address)
}

// setPassword stores hash as u's password and retires its reset links.
func (s *Service) setPassword(ctx context.Context, userID string, hash []byte) (*User, error) {
	now := s.now()
	u, err := s.users.UpdateUser(ctx, userID, func(u *User) error {
		u.PasswordHash, u.UpdatedAt = hash, now
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("save password: %w", err)
	}
	if s.accounts != nil {
		if err := s.accounts.RetireAccountTokens(ctx, userID, PurposePasswordReset, now); err != nil {
			return nil, fmt.Errorf("retire reset links: %w", err)
		}
	}
	return u, nil
}

func (s *Service) passwordChanged(ctx context.Context, u *User) {
	if s.cfg.Notices != nil {
		s.cfg.Notices.AccountNotice(ctx, u.ID, "Password changed",
			"Your password was changed and your other sessions were signed out.")
	}
	if s.cfg.Mailbox != nil {
		// The change is done; a queue that refuses the notice must not undo it.
		_ = s.cfg.Mailbox.SendAccountEmail(ctx, AccountEmail{Kind: EmailPasswordChanged, To: u.Email, Name: u.Name})
	}
}

// ForgotPassword sends a reset link to the account of address, or, when
// no account has it, a notice saying so: the same work either way (a
// token stored, one e-mail queued), so neither the answer nor its timing
// tells whether the account exists. Input that is no address is ignored
// the same way. Beyond Config.ResetMaxPerAddress requests per address in
// ResetWindow nothing is sent (still no error: the caller answers 202).
func (s *Service) ForgotPassword(ctx context.Context, address string) error {
	if !s.AccountsEnabled() {
		return ErrAccountsUnavailable
	}
	raw, hash := newAccountToken()
	keys := loginKeys(address)
	if keys == nil {
		return nil
	}
	key := keys[len(keys)-1]
	if s.limiter != nil && s.cfg.ResetMaxPerAddress > 0 {
		d, err := s.limiter.Allow(ctx, "password-reset:"+key, Limit{Events: s.cfg.ResetMaxPerAddress, Window: s.cfg.ResetWindow})
		if err != nil {
			return fmt.Errorf("forgot password: rate limit: %w", err)
		}
		if !d.Allowed {
			return nil
		}
	}
	u, err := s.users.UserByEmailKey(ctx, keys...)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		u = nil
	case err != nil:
		return fmt.Errorf("forgot password: load user: %w", err)
	}
	now := s.now()
	tok := &AccountToken{Hash: hash, Purpose: PurposePasswordReset, Email: key, CreatedAt: now, ExpiresAt: now.Add(PasswordResetTTL)}
	var mail AccountEmail // no account, and no address to tell so: nothing to send
	if parsed, err := ParseEmail(address); err == nil {
		mail = AccountEmail{Kind: EmailPasswordResetUnknown, To: parsed.Address}
	}
	if u != nil {
		tok.UserID, tok.Email = u.ID, u.Email
		mail = AccountEmail{Kind: EmailPasswordReset, To: u.Email, Name: u.Name, Token: raw}
	}
	if err := s.accounts.CreateAccountToken(ctx, tok); err != nil {
		return fmt.Errorf("forgot password: store token: %w", err)
	}
	if mail.To == "" {
		return nil
	}
	if err := s.cfg.Mailbox.SendAccountEmail(ctx, mail); err != nil {
		return fmt.Errorf("forgot password: queue e-mail: %w", err)
	}
	return nil
}

// validateNewPassword is ValidatePassword reported on new_password.
func validateNewPassword(pw string) error {
	var ve *ValidationError
	if err := ValidatePassword(pw); errors.As(err, &ve) {
		return &ValidationError{Field: "new_password", Message: ve.Message}
	}
	return nil
}

// SendPasswordReset sends the user a reset link; admins only. The admin
// never sees the link.
func (s *Service) SendPasswordReset(ctx context.Context, p *Principal, userID string) error {
	if !p.Can(PermUsersManage) {
		return ErrForbidden
	}
	if !s.AccountsEnabled() {
		return ErrAccountsUnavailable
	}
	u, err := s.users.UserByID(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("send password reset: %w", err)
	}
	raw, hash := newAccountToken()
	now := s.now()
	if err := s.accounts.CreateAccountToken(ctx, &AccountToken{
		Hash: hash, Purpose: PurposePasswordReset, UserID: u.ID, Email: u.Email, CreatedAt: now, ExpiresAt: now.Add(PasswordResetTTL),
	}); err != nil {
		return fmt.Errorf("send password reset: store token: %w", err)
	}
	if err := s.cfg.Mailbox.SendAccountEmail(ctx, AccountEmail{Kind: EmailPasswordReset, To: u.Email, Name: u.Name, Token: raw}); err != nil {
		return fmt.Errorf("send password reset: queue e-mail: %w", err)
	}
	return nil
}

// ResetPassword sets a new password with a reset link's token and revokes
// every session of the user. A token that is unknown, used, expired or
// retired is ErrBadAccountToken, the same for all.
func (s *Service) ResetPassword(ctx context.Context, token, next string) error {
	if !s.AccountsEnabled() {
		return ErrAccountsUnavailable
	}
	if err := validateNewPassword(next); err != nil {
		return err
	}
	tok, err := s.consume(ctx, token, PurposePasswordReset)
	if err != nil {
		return err
	}
	if tok.UserID == "" {
		return ErrBadAccountToken
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return fmt.Errorf("reset password: hash: %w", err)
	}
	u, err := s.setPassword(ctx, tok.UserID, hash)
	if errors.Is(err, ErrNotFound) {
		return ErrBadAccountToken
	}
	if err != nil {
		return fmt.Errorf("reset password: %w", err)
	}
	if err := s.sessions.RevokeUserSessions(ctx, u.ID, s.now()); err != nil {
		return fmt.Errorf("reset password: revoke sessions: %w", err)
	}
	s.invalidate(ctx, "user:"+u.ID)
	s.passwordChanged(ctx, u)
	return nil
}

// consume uses the raw token for purpose.
func (s *Service) consume(ctx context.Context, token string, purpose TokenPurpose) (*AccountToken, error) {
	if len(token) != accountTokenLen {
		return nil, ErrBadAccountToken
	}
	tok, err := s.accounts.ConsumeAccountToken(ctx, hashAccountToken(token), purpose, s.now())
	if errors.Is(err, storage.ErrNotFound) {
		return nil, ErrBadAccountToken
	}
	if err != nil {
		return nil, fmt.Errorf("use %s token: %w", purpose, err)
	}
	return tok, nil
}

func hashAccountToken(raw string) []byte {
	sum := sha256.Sum256([]byte(raw))
	return sum[:]
}

// newAccountToken returns a raw 256-bit token and its stored hash.
func newAccountToken() (string, []byte) {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	raw := base64.RawURLEncoding.EncodeToString(b)
	return raw, hashAccountToken(raw)
}
