package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kpbot/kpbot/storage"
)

// EmailChangeTTL is how long a change-of-address link works.
const EmailChangeTTL = 24 * time.Hour

// EmailChanger changes a user's address.
type EmailChanger interface {
	// ChangeEmail sets the user's address (and its keys, see
	// StoredEmailKeys), verified at verifiedAt; an address another user
	// holds, or one that looks like it, is storage.ErrConflict.
	ChangeEmail(ctx context.Context, userID, email string, verifiedAt time.Time) error
}

// RequestEmailChange checks password (a wrong one is a ValidationError on
// password) and e-mails a confirmation link to newEmail; the old address
// gets a notice. Nothing changes until the link is used (VerifyEmail).
// Whether another account uses newEmail is not checked here (that would
// tell); using the link then fails with ErrEmailTaken.
func (s *Service) RequestEmailChange(ctx context.Context, p *Principal, newEmail, password string) error {
	if !s.AccountsEnabled() || s.changer == nil {
		return ErrAccountsUnavailable
	}
	parsed, err := ParseEmail(newEmail)
	if err != nil {
		var ve *ValidationError
		if errors.As(err, &ve) {
			return &ValidationError{Field: "new_email", Message: ve.Message}
		}
		return err
	}
	if parsed.Key == emailKeyOf(p.User.Email) {
		return &ValidationError{Field: "new_email", Message: "is already the account's address"}
	}
	if err := s.checkPassword(ctx, p.User, password, "password"); err != nil {
		return err
	}
	raw, hash := newAccountToken()
	now := s.now()
	if err := s.accounts.CreateAccountToken(ctx, &AccountToken{
		Hash: hash, Purpose: PurposeEmailChange, UserID: p.User.ID, Email: parsed.Address, CreatedAt: now, ExpiresAt: now.Add(EmailChangeTTL),
	}); err != nil {
		return fmt.Errorf("change e-mail: store token: %w", err)
	}
	if err := s.cfg.Mailbox.SendAccountEmail(ctx, AccountEmail{Kind: EmailChange, To: parsed.Address, Name: p.User.Name, Token: raw, Email: parsed.Address}); err != nil {
		return fmt.Errorf("change e-mail: queue confirmation: %w", err)
	}
	if err := s.cfg.Mailbox.SendAccountEmail(ctx, AccountEmail{Kind: EmailChangeNotice, To: p.User.Email, Name: p.User.Name, Email: parsed.Address}); err != nil {
		return fmt.Errorf("change e-mail: queue notice: %w", err)
	}
	return nil
}

// confirmEmailChange uses a change-of-address token.
func (s *Service) confirmEmailChange(ctx context.Context, token string) error {
	if s.changer == nil {
		return ErrBadAccountToken
	}
	tok, err := s.consume(ctx, token, PurposeEmailChange)
	if err != nil {
		return err
	}
	err = s.changer.ChangeEmail(ctx, tok.UserID, tok.Email, s.now())
	switch {
	case errors.Is(err, storage.ErrConflict):
		return ErrEmailTaken
	case errors.Is(err, storage.ErrNotFound):
		return ErrBadAccountToken
	case err != nil:
		return fmt.Errorf("change e-mail: %w", err)
	}
	s.invalidate(ctx, "user:"+tok.UserID)
	return nil
}
