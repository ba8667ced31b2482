package bunstore_test

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// queryCounter counts the queries bun sends.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *queryCounter) AfterQuery(context.Context, *bun.QueryEvent) {}

// seed stores a user with one session and returns them.
func seed(t *testing.T, db bun.IDB) (*auth.User, *auth.Session, auth.RefreshToken) {
	t.Helper()
	ctx := t.Context()
	at := time.Now().UTC()
	u := &auth.User{ID: uuid.Must(uuid.NewV7()).String(), Email: "Plan@Example.test", Role: auth.RoleUser,
		PasswordHash: []byte("h"), CreatedAt: at, UpdatedAt: at}
	require.NoError(t, bunstore.NewUsers(db).CreateUser(ctx, u))
	s := &auth.Session{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, CreatedAt: at, LastUsedAt: at,
		ExpiresAt: at.Add(time.Hour), Generation: 1}
	h := sha256.Sum256([]byte(s.ID))
	tok := auth.RefreshToken{Hash: h[:], SessionID: s.ID, CreatedAt: at, Generation: 1}
	require.NoError(t, bunstore.NewSessions(db).CreateSession(ctx, s, tok))
	return u, s, tok
}

func TestHotLookupsAreOneQuery(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		u, s, tok := seed(t, db)
		counter := new(queryCounter)
		db = db.WithQueryHook(counter)
		// Through bun, so the hook counts it (on SQLite the default is one
		// prepared statement: one query too, unseen by hooks).
		sessions := bunstore.NewSessions(db, bunstore.WithBunLookups())

		gotS, gotU, err := sessions.SessionWithUser(t.Context(), s.ID)
		require.NoError(t, err)
		assert.Equal(t, u.ID, gotU.ID)
		assert.Equal(t, s.ID, gotS.ID)
		assert.EqualValues(t, 1, counter.n.Load(), "SessionWithUser runs on every request: one query")

		_, _, err = sessions.RefreshToken(t.Context(), tok.Hash)
		require.NoError(t, err)
		assert.EqualValues(t, 2, counter.n.Load(), "RefreshToken is one query")

		got, err := bunstore.NewUsers(db).UserByEmailKey(t.Context(), auth.LegacyEmailKey("PLAN@example.TEST"), "plan@example.test")
		require.NoError(t, err)
		assert.Equal(t, "plan@example.test", got.Email, "emails are stored lower-cased")
		assert.EqualValues(t, 3, counter.n.Load(), "UserByEmailKey is one query, whatever the number of keys")
	})
}

// TestHotLookupsUseIndexes checks SQLite's plans: every hot lookup is a
// SEARCH on an index, never a SCAN of a table.
func TestHotLookupsUseIndexes(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	seed(t, db)
	var queries []string
	hook := &captureHook{capture: func(q string) { queries = append(queries, q) }}
	db = db.WithQueryHook(hook)
	ctx := t.Context()
	users, sessions := bunstore.NewUsers(db), bunstore.NewSessions(db, bunstore.WithBunLookups())
	_, _, _ = sessions.SessionWithUser(ctx, "x")
	_, _, _ = sessions.RefreshToken(ctx, []byte("x"))
	_, _ = users.UserByEmailKey(ctx, "legacy x@example.test", "x@example.test")
	_, _ = sessions.ListSessions(ctx, "x", time.Now())
	_, _ = users.ListUsers(ctx, storage.ListParams{Limit: 2, Cursor: "dTE6eA"}) // after "x"
	hook.capture = nil
	require.Len(t, queries, 5)

	for _, q := range queries {
		joined := strings.Join(queryPlan(t, ctx, db.DB, q), "; ")
		assert.NotContains(t, joined, "SCAN", "query %s\nplan: %s", q, joined)
		assert.NotContains(t, joined, "TEMP B-TREE", "query %s must not sort: %s", q, joined)
	}
}

// captureHook hands each query's text to capture.
type captureHook struct{ capture func(string) }

func (h *captureHook) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context { return ctx }

func (h *captureHook) AfterQuery(_ context.Context, e *bun.QueryEvent) {
	if h.capture != nil {
		h.capture(e.Query)
	}
}
