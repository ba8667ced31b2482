package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kpbot/kpbot/storage"
)

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// ErrRegistrationClosed means self-service sign-up is off; accounts come by
// invitation (403).
var ErrRegistrationClosed = errors.New("registration is by invitation only")

// Invitation is a sent invitation, as the inviting admin sees it.
type Invitation struct {
	Email     string
	Role      Role
	ExpiresAt time.Time
}

// Invite e-mails address a link to create an account with role; admins
// only. A newer invitation to the same address replaces the older. The
// answer is the same whether or not an account already uses the address
// (accepting is then refused).
func (s *Service) Invite(ctx context.Context, p *Principal, address string, role Role) (*Invitation, error) {
	if !p.Can(PermUsersManage) {
		return nil, ErrForbidden
	}
	if !s.AccountsEnabled() {
		return nil, ErrAccountsUnavailable
	}
	email, err := ParseEmail(address)
	if err != nil {
		return nil, err
	}
	if !role.Valid() {
		return nil, &ValidationError{Field: "role", Message: "must be one of user, moderator, admin"}
	}
	raw, hash := newAccountToken()
	now := s.now()
	inv := &Invitation{Email: email.Address, Role: role, ExpiresAt: now.Add(InvitationTTL)}
	if err := s.accounts.CreateAccountToken(ctx, &AccountToken{
		Hash: hash, Purpose: PurposeInvitation, Email: email.Address, Role: role, CreatedAt: now, ExpiresAt: inv.ExpiresAt,
	}); err != nil {
		return nil, fmt.Errorf("invite: store token: %w", err)
	}
	if err := s.cfg.Mailbox.SendAccountEmail(ctx, AccountEmail{Kind: EmailInvitation, To: email.Address, Token: raw, Role: role}); err != nil {
		return nil, fmt.Errorf("invite: queue e-mail: %w", err)
	}
	return inv, nil
}

// AcceptInvitation creates the invited account (the address counts as
// verified: the link reached it) with the invitation's role and opens a
// first session. A token that is unknown, used or expired is
// ErrBadAccountToken; an address taken meanwhile is ErrEmailTaken.
func (s *Service) AcceptInvitation(ctx context.Context, token, password, name string, client ClientInfo) (*AuthResult, error) {
	if !s.AccountsEnabled() {
		return nil, ErrAccountsUnavailable
	}
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	cleanName, err := normalizeName(name)
	if err != nil {
		return nil, err
	}
	tok, err := s.consume(ctx, token, PurposeInvitation)
	if err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return nil, fmt.Errorf("accept invitation: hash password: %w", err)
	}
	now := s.now()
	u := &User{
		ID: newID(), Email: tok.Email, Name: cleanName, Role: tok.Role, PasswordHash: hash,
		EmailVerifiedAt: &now, CreatedAt: now, UpdatedAt: now,
	}
	if !u.Role.Valid() {
		u.Role = RoleUser
	}
	if err := s.users.CreateUser(ctx, u); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil, ErrEmailTaken
		}
		return nil, fmt.Errorf("accept invitation: create user: %w", err)
	}
	return s.openSession(ctx, u, client)
}
