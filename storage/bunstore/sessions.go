package bunstore

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

// Sessions keeps sessions in kpbot_sessions and their refresh tokens in
// kpbot_refresh_tokens.
type Sessions struct {
	db     bun.IDB
	lookup *sessionLookup // SessionWithUser's prepared statement; nil off SQLite
}

var _ auth.SessionStore = (*Sessions)(nil)

// SessionsOption tunes a Sessions store.
type SessionsOption func(*sessionsOptions)

type sessionsOptions struct{ bunLookups bool }

// WithBunLookups makes SessionWithUser always run through bun, so bun's
// query hooks (tracing, query logging) see it; by default, on SQLite, it
// runs a prepared statement beside bun that hooks do not see.
func WithBunLookups() SessionsOption { return func(o *sessionsOptions) { o.bunLookups = true } }

// NewSessions returns a SessionStore over db, a *bun.DB or a bun.Tx. On a
// SQLite *bun.DB, SessionWithUser runs a statement prepared on first use
// (unless WithBunLookups), so make one Sessions per database and share it,
// not one per request.
func NewSessions(db bun.IDB, opts ...SessionsOption) *Sessions {
	var o sessionsOptions
	for _, opt := range opts {
		opt(&o)
	}
	st := &Sessions{db: db}
	if !o.bunLookups {
		st.lookup = newSessionLookup(db)
	}
	return st
}

// CreateSession inserts s and its first refresh token in one transaction.
// first.SessionID, when empty, is taken from s.
func (st *Sessions) CreateSession(ctx context.Context, s *auth.Session, first auth.RefreshToken) error {
	if first.SessionID == "" {
		first.SessionID = s.ID
	}
	if first.SessionID != s.ID {
		return fmt.Errorf("create session %s: first refresh token belongs to session %s", s.ID, first.SessionID)
	}
	return st.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.NewInsert().Model(newSessionRow(s)).Exec(ctx); err != nil {
			return fmt.Errorf("create session %s: %w", s.ID, mapErr(err))
		}
		if _, err := tx.NewInsert().Model(newRefreshTokenRow(&first)).Exec(ctx); err != nil {
			return fmt.Errorf("create session %s: store refresh token: %w", s.ID, mapErr(err))
		}
		return nil
	})
}

// SessionWithUser returns a session and its user with one query: a join
// of two primary-key lookups. It runs on every authenticated request, so
// on SQLite it uses a prepared statement (see sessionLookup).
func (st *Sessions) SessionWithUser(ctx context.Context, sessionID string) (*auth.Session, *auth.User, error) {
	if st.lookup != nil {
		if s, u, ok, err := st.lookup.sessionWithUser(ctx, st, sessionID); ok {
			return s, u, err
		}
	}
	return st.sessionWithUserBun(ctx, sessionID)
}

// sessionWithUserBun is SessionWithUser through bun's query builder, for
// PostgreSQL, transactions and when the statement cannot be prepared.
func (st *Sessions) sessionWithUserBun(ctx context.Context, sessionID string) (*auth.Session, *auth.User, error) {
	row := new(sessionRow)
	if err := st.db.NewSelect().Model(row).Relation("User").
		Where("s.id = ?", sessionID).Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("load session %s: %w", sessionID, mapErr(err))
	}
	return row.session(), row.User.user(), nil
}

// RefreshToken returns the token stored under hash and its session, with
// one query.
func (st *Sessions) RefreshToken(ctx context.Context, hash []byte) (*auth.RefreshToken, *auth.Session, error) {
	row := new(refreshTokenRow)
	if err := st.db.NewSelect().Model(row).Relation("Session").
		Where("rt.hash = ?", hash).Scan(ctx); err != nil {
		return nil, nil, fmt.Errorf("load refresh token: %w", mapErr(err))
	}
	return row.refreshToken(), row.Session.session(), nil
}

// RotateRefresh retires oldHash and stores next in one transaction. The
// conditional UPDATE ... WHERE rotated_at IS NULL decides races: of many
// concurrent rotations of one token exactly one sees its row change, and
// every other one gets storage.ErrConflict and changes nothing. An unknown
// oldHash is storage.ErrNotFound.
func (st *Sessions) RotateRefresh(ctx context.Context, oldHash []byte, next auth.RefreshToken, now time.Time, client auth.ClientInfo) error {
	now = dbTime(now)
	return st.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var sessionID string
		err := tx.NewUpdate().Model((*refreshTokenRow)(nil)).
			Set("rotated_at = ?", now).
			Where("hash = ?", oldHash).
			Where("rotated_at IS NULL").
			Returning("session_id").
			Scan(ctx, &sessionID)
		if err != nil {
			err = mapErr(err)
			if err == storage.ErrNotFound {
				return st.whyNotRotated(ctx, tx, oldHash)
			}
			return fmt.Errorf("rotate refresh token: %w", err)
		}
		if next.SessionID == "" {
			next.SessionID = sessionID
		}
		if next.SessionID != sessionID {
			return fmt.Errorf("rotate refresh token: next token belongs to session %s, not %s", next.SessionID, sessionID)
		}
		if _, err := tx.NewInsert().Model(newRefreshTokenRow(&next)).Exec(ctx); err != nil {
			return fmt.Errorf("rotate refresh token: store next: %w", mapErr(err))
		}
		if _, err := tx.NewUpdate().Model((*sessionRow)(nil)).
			Set("generation = ?", next.Generation).
			Set("last_used_at = ?", now).
			Set("user_agent = ?", client.UserAgent).
			Set("ip = ?", client.IP).
			Where("id = ?", sessionID).
			Exec(ctx); err != nil {
			return fmt.Errorf("rotate refresh token: update session %s: %w", sessionID, mapErr(err))
		}
		return nil
	})
}

// whyNotRotated tells a token rotated by someone else (ErrConflict) from
// one that never existed (ErrNotFound).
func (st *Sessions) whyNotRotated(ctx context.Context, tx bun.Tx, hash []byte) error {
	exists, err := tx.NewSelect().Model((*refreshTokenRow)(nil)).Where("hash = ?", hash).Exists(ctx)
	switch {
	case err != nil:
		return fmt.Errorf("rotate refresh token: %w", mapErr(err))
	case exists:
		return fmt.Errorf("rotate refresh token: already rotated: %w", storage.ErrConflict)
	default:
		return fmt.Errorf("rotate refresh token: %w", storage.ErrNotFound)
	}
}

// RevokeSession marks the session revoked at now. Revoking it again keeps
// the first time and is not an error; an unknown session is
// storage.ErrNotFound.
func (st *Sessions) RevokeSession(ctx context.Context, sessionID string, now time.Time) error {
	res, err := st.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", dbTime(now)).
		Where("id = ?", sessionID).
		Where("revoked_at IS NULL").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke session %s: %w", sessionID, mapErr(err))
	}
	if n, err := res.RowsAffected(); err == nil && n > 0 {
		return nil
	}
	exists, err := st.db.NewSelect().Model((*sessionRow)(nil)).Where("id = ?", sessionID).Exists(ctx)
	if err != nil {
		return fmt.Errorf("revoke session %s: %w", sessionID, mapErr(err))
	}
	if !exists {
		return fmt.Errorf("revoke session %s: %w", sessionID, storage.ErrNotFound)
	}
	return nil
}

// RevokeUserSessions revokes every session of the user that is not revoked
// yet; a user without sessions is not an error.
func (st *Sessions) RevokeUserSessions(ctx context.Context, userID string, now time.Time) error {
	if _, err := st.db.NewUpdate().Model((*sessionRow)(nil)).
		Set("revoked_at = ?", dbTime(now)).
		Where("user_id = ?", userID).
		Where("revoked_at IS NULL").
		Exec(ctx); err != nil {
		return fmt.Errorf("revoke sessions of user %s: %w", userID, mapErr(err))
	}
	return nil
}

// ListSessions returns the user's sessions that are neither revoked nor
// expired at now, newest first.
func (st *Sessions) ListSessions(ctx context.Context, userID string, now time.Time) ([]auth.Session, error) {
	var rows []sessionRow
	if err := st.db.NewSelect().Model(&rows).
		Where("s.user_id = ?", userID).
		Where("s.revoked_at IS NULL").
		Where("s.expires_at > ?", dbTime(now)).
		OrderExpr("s.created_at DESC, s.id DESC").
		Scan(ctx); err != nil {
		return nil, fmt.Errorf("list sessions of user %s: %w", userID, mapErr(err))
	}
	out := make([]auth.Session, len(rows))
	for i := range rows {
		out[i] = *rows[i].session()
	}
	return out, nil
}
