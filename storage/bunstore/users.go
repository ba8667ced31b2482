package bunstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

// Users keeps users in kpbot_users.
type Users struct {
	db bun.IDB
}

var (
	_ auth.UserStore    = (*Users)(nil)
	_ auth.EmailChanger = (*Users)(nil)
)

// NewUsers returns a UserStore over db, a *bun.DB or a bun.Tx.
func NewUsers(db bun.IDB) *Users { return &Users{db: db} }

// CreateUser inserts u with the email key and skeleton auth.StoredEmailKeys
// derives from u.Email; a duplicate ID, email, key or skeleton is
// storage.ErrConflict.
func (s *Users) CreateUser(ctx context.Context, u *auth.User) error {
	if _, err := s.db.NewInsert().Model(newUserRow(u)).Exec(ctx); err != nil {
		return fmt.Errorf("create user %s: %w", u.ID, mapErr(err))
	}
	return nil
}

// UserByID returns the user with the given ID.
func (s *Users) UserByID(ctx context.Context, id string) (*auth.User, error) {
	row := new(userRow)
	if err := s.db.NewSelect().Model(row).Where("u.id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load user %s: %w", id, mapErr(err))
	}
	return row.user(), nil
}

// UserByEmailKey returns the user whose email key is one of keys,
// preferring the earliest that matches; one query on the unique index of
// email_key.
func (s *Users) UserByEmailKey(ctx context.Context, keys ...string) (*auth.User, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("load user by email: %w", storage.ErrNotFound)
	}
	var rows []userRow
	if err := s.db.NewSelect().Model(&rows).
		Where("u.email_key IN (?)", bun.List(keys)).Limit(int64(len(keys))).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load user by email: %w", mapErr(err))
	}
	for _, k := range keys {
		for i := range rows {
			if rows[i].EmailKey == k {
				return rows[i].user(), nil
			}
		}
	}
	return nil, fmt.Errorf("load user by email: %w", storage.ErrNotFound)
}

// ListUsers returns users ordered by ID, p.Limit at a time (default 50, at
// most 1000), after the user that p.Cursor names. A cursor this store did
// not issue wraps storage.ErrInvalidCursor.
func (s *Users) ListUsers(ctx context.Context, p storage.ListParams) (storage.Page[auth.User], error) {
	after, err := decodeCursor(userCursorTag, p.Cursor)
	if err != nil {
		return storage.Page[auth.User]{}, fmt.Errorf("list users: %w", err)
	}
	limit := pageSize(p.Limit)
	var rows []userRow
	q := s.db.NewSelect().Model(&rows).OrderExpr("u.id ASC").Limit(int64(limit + 1))
	if after != "" {
		q = q.Where("u.id > ?", after)
	}
	if err := q.Scan(ctx); err != nil {
		return storage.Page[auth.User]{}, fmt.Errorf("list users: %w", mapErr(err))
	}
	page := storage.Page[auth.User]{Items: make([]auth.User, 0, min(len(rows), limit))}
	for i := range rows[:min(len(rows), limit)] {
		page.Items = append(page.Items, *rows[i].user())
	}
	if len(rows) > limit {
		page.NextCursor = encodeCursor(userCursorTag, rows[limit-1].ID)
	}
	return page, nil
}

// UpdateUser loads the user, applies fn and saves the result in one
// transaction, holding the row (SELECT ... FOR UPDATE on PostgreSQL, the
// write lock of BEGIN IMMEDIATE on SQLite) so concurrent updates queue
// instead of overwriting each other. An error from fn rolls back and is
// returned as is. fn must not change the ID; the email, its key and
// skeleton are never saved.
func (s *Users) UpdateUser(ctx context.Context, id string, fn func(*auth.User) error) (*auth.User, error) {
	var out *auth.User
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row := new(userRow)
		q := tx.NewSelect().Model(row).Where("u.id = ?", id)
		if tx.Dialect().Name() == dialect.PG {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("load user %s: %w", id, mapErr(err))
		}
		u := row.user()
		if err := fn(u); err != nil {
			return err
		}
		if u.ID != id {
			return fmt.Errorf("update user %s: the update changed the ID to %s", id, u.ID)
		}
		saved := newUserRow(u)
		saved.CreatedAt, saved.Email = row.CreatedAt, row.Email
		saved.EmailKey, saved.EmailSkeleton = row.EmailKey, row.EmailSkeleton
		if _, err := tx.NewUpdate().Model(saved).WherePK().
			ExcludeColumn("id", "created_at", "email", "email_key", "email_skeleton").Exec(ctx); err != nil {
			return fmt.Errorf("save user %s: %w", id, mapErr(err))
		}
		out = saved.user()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ChangeEmail gives the user a new address, with the key and skeleton
// auth.StoredEmailKeys derives from it, verified at verifiedAt. An
// address, key or skeleton another user holds is storage.ErrConflict; an
// unknown user is storage.ErrNotFound.
func (s *Users) ChangeEmail(ctx context.Context, userID, email string, verifiedAt time.Time) error {
	key, skel, _ := auth.StoredEmailKeys(email)
	at := dbTime(verifiedAt)
	res, err := s.db.NewUpdate().Model((*userRow)(nil)).
		Set("email = ?", strings.ToLower(email)).Set("email_key = ?", key).Set("email_skeleton = ?", skel).
		Set("email_verified_at = ?", at).Set("updated_at = ?", at).
		Where("id = ?", userID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("change email of %s: %w", userID, mapErr(err))
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("change email of %s: %w", userID, storage.ErrNotFound)
	}
	return nil
}
