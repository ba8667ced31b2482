package auth

import (
	"context"
	"errors"
	"fmt"

	"github.com/kpbot/kpbot/storage"
)

// ErrLastAdmin means the last enabled admin cannot delete their account (422).
var ErrLastAdmin = errors.New("the last enabled admin cannot delete their account; make another user admin first")

// AccountEraser removes accounts.
type AccountEraser interface {
	// ActiveRunIDs lists the user's queued or running runs.
	ActiveRunIDs(ctx context.Context, userID string) ([]string, error)
	// EraseUser deletes the user and everything they own — sessions,
	// campaigns, runs, prospects, drafts, notifications, account tokens
	// and the events of their topics — in one transaction. It refuses
	// with ErrLastAdmin, changing nothing, when the user is the last
	// enabled admin, checked in that transaction.
	EraseUser(ctx context.Context, userID string) error
}

// RunCanceller stops a run and its job before its owner is erased.
type RunCanceller interface {
	CancelRun(ctx context.Context, runID string) error
}

// DeleteAccount erases the caller's account after checking password (a
// wrong one is a ValidationError on password): their runs are cancelled
// first (Config.Runs), then the user and all they own go at once. The
// last enabled admin gets ErrLastAdmin.
func (s *Service) DeleteAccount(ctx context.Context, p *Principal, password string) error {
	if s.eraser == nil {
		return ErrAccountsUnavailable
	}
	if err := s.checkPassword(ctx, p.User, password, "password"); err != nil {
		return err
	}
	if s.cfg.Runs != nil {
		ids, err := s.eraser.ActiveRunIDs(ctx, p.User.ID)
		if err != nil {
			return fmt.Errorf("delete account: list runs: %w", err)
		}
		for _, id := range ids {
			if err := s.cfg.Runs.CancelRun(ctx, id); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("delete account: cancel run %s: %w", id, err)
			}
		}
	}
	if err := s.eraser.EraseUser(ctx, p.User.ID); err != nil {
		if errors.Is(err, ErrLastAdmin) {
			return ErrLastAdmin
		}
		return fmt.Errorf("delete account: %w", err)
	}
	s.invalidate(ctx, "user:"+p.User.ID)
	return nil
}

// DeletionEnabled reports whether accounts can be deleted (Stores.Eraser
// is set).
func (s *Service) DeletionEnabled() bool { return s.eraser != nil }
