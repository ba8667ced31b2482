package bunstore

import (
	"context"

	"github.com/kpbot/kpbot/auth"
)

// SessionWithUserBun exposes bun's query path of SessionWithUser, for
// tests comparing it with the prepared one.
func SessionWithUserBun(ctx context.Context, st *Sessions, sessionID string) (*auth.Session, *auth.User, error) {
	return st.sessionWithUserBun(ctx, sessionID)
}

// UsesPreparedLookup reports whether st serves SessionWithUser from a
// prepared statement, and whether that statement is prepared yet.
func UsesPreparedLookup(st *Sessions) (enabled, prepared bool) {
	if st.lookup == nil {
		return false, false
	}
	return true, st.lookup.stmt.Load() != nil
}

// SessionWithUserSQL is the prepared path's query.
const SessionWithUserSQL = sessionWithUserSQL
