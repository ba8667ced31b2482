package bunstore

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kpbot/kpbot/auth"
)

// sessionWithUserSQL is SessionWithUser's query for the prepared path: the
// columns of sessionRow then userRow, in struct order. It joins with JOIN
// where bun's Relation uses LEFT JOIN; the two differ only for a session
// whose user is gone, which the foreign key (ON DELETE CASCADE, enforced by
// the SQLite pragma foreign_keys=1) rules out.
const sessionWithUserSQL = `SELECT
 s.id, s.user_id, s.created_at, s.last_used_at, s.expires_at, s.revoked_at, s.user_agent, s.ip, s.generation,
 u.id, u.email, u.name, u.role, u.password_hash, u.disabled, u.email_verified_at, u.created_at, u.updated_at
FROM kpbot_sessions AS s JOIN kpbot_users AS u ON u.id = s.user_id
WHERE s.id = ?`

// sessionLookup serves SessionWithUser from a statement prepared once on
// SQLite, where bun inlines arguments into the SQL text and
// modernc.org/sqlite has no statement cache, so every request would parse
// and plan the same query again (a quarter to a third of the CPU of an
// authenticated request).
//
// The statement is prepared lazily on the *sql.DB under bun, on first use;
// database/sql then prepares it again on each pool connection that runs
// it, and closes those per-connection statements with their connections.
// It is never closed explicitly: it lives as long as the Sessions holding
// it, and a cleanup closes it when that Sessions becomes unreachable, so
// stores made and dropped (one per test, say) do not leak statements.
// Closing the DB invalidates it; a lookup after that fails as any query on
// a closed DB does. A failed preparation (a database not migrated yet, a
// cancelled context) is not remembered: that call falls back to bun's
// query, and the next one tries to prepare again.
//
// The statement runs beside bun, so bun's query hooks (tracing, query
// logging) do not see it; WithBunLookups turns it off for programs that
// need every query in their hooks.
type sessionLookup struct {
	db   *sql.DB
	mu   sync.Mutex // serialises preparation
	stmt atomic.Pointer[sql.Stmt]
}

// newSessionLookup returns the prepared path for db, or nil when db is not
// a *bun.DB on SQLite: PostgreSQL keeps bun's query (its pool runs pgx's
// simple protocol, where server-side statements are not wanted, and
// PostgreSQL's parser was not the bottleneck), and a bun.Tx must use its
// own connection.
func newSessionLookup(db bun.IDB) *sessionLookup {
	bdb, ok := db.(*bun.DB)
	if !ok || bdb.Dialect().Name() != dialect.SQLite {
		return nil
	}
	return &sessionLookup{db: bdb.DB}
}

// prepared returns the statement, preparing it on first use; owner is the
// Sessions whose unreachability closes it.
func (l *sessionLookup) prepared(ctx context.Context, owner *Sessions) (*sql.Stmt, error) {
	if s := l.stmt.Load(); s != nil {
		return s, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if s := l.stmt.Load(); s != nil {
		return s, nil
	}
	s, err := l.db.PrepareContext(ctx, sessionWithUserSQL)
	if err != nil {
		return nil, err
	}
	runtime.AddCleanup(owner, func(s *sql.Stmt) { _ = s.Close() }, s)
	l.stmt.Store(s)
	return s, nil
}

// sessionWithUser runs the prepared query; ok is false when the caller
// should run bun's query instead: the statement could not be prepared.
func (l *sessionLookup) sessionWithUser(ctx context.Context, owner *Sessions, sessionID string) (s *auth.Session, u *auth.User, ok bool, err error) {
	stmt, err := l.prepared(ctx, owner)
	if err != nil {
		return nil, nil, false, nil
	}
	var (
		sr                      sessionRow
		ur                      userRow
		sCreated, used, expires bun.NullTime
		revoked                 sql.Null[bun.NullTime]
		uCreated, uUpdated      bun.NullTime
		verified                sql.Null[bun.NullTime]
	)
	// bun.NullTime parses what the driver returns (time.Time for TIMESTAMP
	// columns, or text) exactly as bun's own scan into time.Time does.
	err = stmt.QueryRowContext(ctx, sessionID).Scan(
		&sr.ID, &sr.UserID, &sCreated, &used, &expires, &revoked, &sr.UserAgent, &sr.IP, &sr.Generation,
		&ur.ID, &ur.Email, &ur.Name, &ur.Role, &ur.PasswordHash, &ur.Disabled, &verified, &uCreated, &uUpdated,
	)
	if err != nil {
		return nil, nil, true, fmt.Errorf("load session %s: %w", sessionID, mapErr(err))
	}
	sr.CreatedAt, sr.LastUsedAt, sr.ExpiresAt = sCreated.Time, used.Time, expires.Time
	if revoked.Valid {
		sr.RevokedAt = &revoked.V.Time
	}
	ur.CreatedAt, ur.UpdatedAt = uCreated.Time, uUpdated.Time
	if verified.Valid && !verified.V.IsZero() {
		ur.EmailVerifiedAt = &verified.V.Time
	}
	return sr.session(), ur.user(), true, nil
}
