package bunstore

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

// accountTokenRow is a row of kpbot_account_tokens.
type accountTokenRow struct {
	bun.BaseModel `bun:"table:kpbot_account_tokens,alias:at"`

	Hash      []byte     `bun:"hash,pk"`
	Purpose   string     `bun:"purpose"`
	UserID    *string    `bun:"user_id"`
	Email     string     `bun:"email"`
	Role      string     `bun:"role"`
	CreatedAt time.Time  `bun:"created_at"`
	ExpiresAt time.Time  `bun:"expires_at"`
	UsedAt    *time.Time `bun:"used_at"`
}

func (r *accountTokenRow) token() *auth.AccountToken {
	t := &auth.AccountToken{
		Hash: r.Hash, Purpose: auth.TokenPurpose(r.Purpose), Email: r.Email, Role: auth.Role(r.Role),
		CreatedAt: dbTime(r.CreatedAt), ExpiresAt: dbTime(r.ExpiresAt), UsedAt: utcPtr(r.UsedAt),
	}
	if r.UserID != nil {
		t.UserID = *r.UserID
	}
	return t
}

// AccountTokens keeps the tokens of account e-mails in
// kpbot_account_tokens.
type AccountTokens struct {
	db bun.IDB
}

var _ auth.AccountTokenStore = (*AccountTokens)(nil)

// NewAccountTokens returns an AccountTokenStore over db.
func NewAccountTokens(db bun.IDB) *AccountTokens { return &AccountTokens{db: db} }

// CreateAccountToken inserts t and retires the older unused tokens of the
// same purpose for the same user (or address, without a user) in one
// transaction. Rows of retired and expired tokens older than a day are
// removed on the way.
func (s *AccountTokens) CreateAccountToken(ctx context.Context, t *auth.AccountToken) error {
	row := &accountTokenRow{
		Hash: t.Hash, Purpose: string(t.Purpose), Email: t.Email, Role: string(t.Role),
		CreatedAt: dbTime(t.CreatedAt), ExpiresAt: dbTime(t.ExpiresAt), UsedAt: utcPtr(t.UsedAt),
	}
	if t.UserID != "" {
		row.UserID = &t.UserID
	}
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		q := tx.NewUpdate().Model((*accountTokenRow)(nil)).Set("used_at = ?", row.CreatedAt).
			Where("purpose = ?", row.Purpose).Where("used_at IS NULL")
		if row.UserID != nil {
			q = q.Where("user_id = ?", *row.UserID)
		} else {
			q = q.Where("user_id IS NULL").Where("email = ?", row.Email)
		}
		if _, err := q.Exec(ctx); err != nil {
			return fmt.Errorf("retire older tokens: %w", mapErr(err))
		}
		if _, err := tx.NewDelete().Model((*accountTokenRow)(nil)).
			Where("expires_at < ?", row.CreatedAt.Add(-24*time.Hour)).Exec(ctx); err != nil {
			return fmt.Errorf("remove old tokens: %w", mapErr(err))
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return fmt.Errorf("insert token: %w", mapErr(err))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create %s token: %w", t.Purpose, err)
	}
	return nil
}

// ConsumeAccountToken marks the token used with one UPDATE ... RETURNING,
// so of racing requests exactly one gets it.
func (s *AccountTokens) ConsumeAccountToken(ctx context.Context, hash []byte, purpose auth.TokenPurpose, now time.Time) (*auth.AccountToken, error) {
	var rows []accountTokenRow
	now = dbTime(now)
	if _, err := s.db.NewUpdate().Model((*accountTokenRow)(nil)).Set("used_at = ?", now).
		Where("hash = ?", hash).Where("purpose = ?", string(purpose)).
		Where("used_at IS NULL").Where("expires_at > ?", now).
		Returning("*").Exec(ctx, &rows); err != nil {
		return nil, fmt.Errorf("use %s token: %w", purpose, mapErr(err))
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("use %s token: %w", purpose, storage.ErrNotFound)
	}
	return rows[0].token(), nil
}

// RetireAccountTokens marks the user's unused tokens of purpose used.
func (s *AccountTokens) RetireAccountTokens(ctx context.Context, userID string, purpose auth.TokenPurpose, now time.Time) error {
	if _, err := s.db.NewUpdate().Model((*accountTokenRow)(nil)).Set("used_at = ?", dbTime(now)).
		Where("user_id = ?", userID).Where("purpose = ?", string(purpose)).Where("used_at IS NULL").
		Exec(ctx); err != nil {
		return fmt.Errorf("retire %s tokens of %s: %w", purpose, userID, mapErr(err))
	}
	return nil
}
