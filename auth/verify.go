package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kpbot/kpbot/storage"
)

// VerifyEmailTTL is how long a verification link works.
const VerifyEmailTTL = 48 * time.Hour

// ErrEmailUnverified means the action needs a verified address (403).
var ErrEmailUnverified = errors.New("verify your e-mail address first: open the link we sent you, or ask for a new one")

// sendVerification stores a verification token for u and queues the
// e-mail. Register calls it; a failure there leaves the account usable
// (the user can ask for the link again), so it is not returned.
func (s *Service) sendVerification(ctx context.Context, u *User) error {
	raw, hash := newAccountToken()
	now := s.now()
	if err := s.accounts.CreateAccountToken(ctx, &AccountToken{
		Hash: hash, Purpose: PurposeVerifyEmail, UserID: u.ID, Email: u.Email, CreatedAt: now, ExpiresAt: now.Add(VerifyEmailTTL),
	}); err != nil {
		return fmt.Errorf("store verification token: %w", err)
	}
	if err := s.cfg.Mailbox.SendAccountEmail(ctx, AccountEmail{Kind: EmailVerify, To: u.Email, Name: u.Name, Token: raw}); err != nil {
		return fmt.Errorf("queue verification e-mail: %w", err)
	}
	return nil
}

// ResendVerification sends the caller a new verification link (the older
// stops working). A verified address gets nothing. At most
// ResetMaxPerAddress per ResetWindow, then a RateLimitError.
func (s *Service) ResendVerification(ctx context.Context, p *Principal) error {
	if !s.AccountsEnabled() {
		return ErrAccountsUnavailable
	}
	if p.User.EmailVerified() {
		return nil
	}
	if s.limiter != nil && s.cfg.ResetMaxPerAddress > 0 {
		d, err := s.limiter.Allow(ctx, "verify-resend:"+p.User.ID, Limit{Events: s.cfg.ResetMaxPerAddress, Window: s.cfg.ResetWindow})
		if err != nil {
			return fmt.Errorf("resend verification: rate limit: %w", err)
		}
		if !d.Allowed {
			return &RateLimitError{RetryAfter: d.RetryAfter}
		}
	}
	if err := s.sendVerification(ctx, p.User); err != nil {
		return fmt.Errorf("resend verification: %w", err)
	}
	return nil
}

// VerifyEmail uses a link sent by e-mail to prove an address: a
// verification link marks the account's address verified; a change of
// address link makes its address the account's (ErrEmailTaken when
// another account has it by then). A token that
// is unknown, used or expired, or whose address is no longer the
// account's, is ErrBadAccountToken.
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	if !s.AccountsEnabled() {
		return ErrAccountsUnavailable
	}
	tok, err := s.consume(ctx, token, PurposeVerifyEmail)
	if errors.Is(err, ErrBadAccountToken) {
		return s.confirmEmailChange(ctx, token) // the link of a change of address
	}
	if err != nil {
		return err
	}
	now := s.now()
	u, err := s.users.UpdateUser(ctx, tok.UserID, func(u *User) error {
		if u.Email != tok.Email {
			return ErrBadAccountToken
		}
		if u.EmailVerifiedAt == nil {
			u.EmailVerifiedAt, u.UpdatedAt = &now, now
		}
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return ErrBadAccountToken
	}
	if err != nil {
		return fmt.Errorf("verify e-mail: %w", err)
	}
	s.invalidate(ctx, "user:"+u.ID) // cached principals must see the verified address
	return nil
}

// CanStartRuns reports whether p may start crew runs: with
// Config.RequireVerifiedEmail only once their address is verified
// (ErrEmailUnverified otherwise).
func (s *Service) CanStartRuns(p *Principal) error {
	if s.cfg.RequireVerifiedEmail && !p.User.EmailVerified() {
		return ErrEmailUnverified
	}
	return nil
}
