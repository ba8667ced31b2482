package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/kpbot/kpbot/storage"
)

// This file is the user administration of the Service: listing and
// changing users, and the bootstrap admin.

// ListUsers returns a page of all users; admins only.
func (s *Service) ListUsers(ctx context.Context, p *Principal, lp storage.ListParams) (storage.Page[User], error) {
	if !p.Can(PermUsersManage) {
		return storage.Page[User]{}, ErrForbidden
	}
	lp.Limit = storage.ClampLimit(lp.Limit)
	page, err := s.users.ListUsers(ctx, lp)
	if err != nil {
		return storage.Page[User]{}, fmt.Errorf("list users: %w", err)
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
