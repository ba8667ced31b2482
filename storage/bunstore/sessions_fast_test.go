package bunstore_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
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
	"github.com/kpbot/kpbot/storage/sqlite"
)

// sessionFixture is what seedSessions stored: the sessions by name, with
// the values SessionWithUser must return for them.
type sessionFixture struct {
	sessions map[string]auth.Session
	users    map[string]auth.User // by user ID
}

// seedSessions stores an active user and a disabled one, and sessions
// covering a NULL revoked_at, a revoked session and a disabled user's
// session. Times carry nanoseconds and a non-UTC zone, which the store
// must turn into UTC microseconds.
func seedSessions(t *testing.T, db bun.IDB) sessionFixture {
	t.Helper()
	ctx := context.Background()
	users, sessions := bunstore.NewUsers(db), bunstore.NewSessions(db)
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	base := time.Date(2026, 3, 14, 15, 9, 26, 535897932, zone)
	utcMicro := func(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

	fx := sessionFixture{sessions: map[string]auth.Session{}, users: map[string]auth.User{}}
	for i, u := range []auth.User{
		{Email: "active@example.com", Name: "Active", Role: auth.RoleModerator, PasswordHash: []byte("hash-a")},
		{Email: "disabled@example.com", Name: "Disabled", Role: auth.RoleAdmin, PasswordHash: []byte("hash-d"), Disabled: true},
	} {
		u.ID = uuid.Must(uuid.NewV7()).String()
		u.CreatedAt = base.Add(time.Duration(i) * time.Second)
		u.UpdatedAt = u.CreatedAt.Add(1234567 * time.Nanosecond)
		require.NoError(t, users.CreateUser(ctx, &u))
		u.CreatedAt, u.UpdatedAt = utcMicro(u.CreatedAt), utcMicro(u.UpdatedAt)
		fx.users[u.ID] = u
	}
	var active, disabled string
	for id, u := range fx.users {
		if u.Disabled {
			disabled = id
		} else {
			active = id
		}
	}

	revokedAt := base.Add(90*time.Minute + 999*time.Nanosecond)
	for i, c := range []struct {
		name, userID string
		revoke       bool
	}{
		{"live", active, false},
		{"revoked", active, true},
		{"disabled-user", disabled, false},
	} {
		s := auth.Session{
			ID:         uuid.Must(uuid.NewV7()).String(),
			UserID:     c.userID,
			CreatedAt:  base.Add(time.Duration(i) * time.Minute),
			LastUsedAt: base.Add(time.Duration(i)*time.Minute + 7*time.Nanosecond),
			ExpiresAt:  base.Add(30 * 24 * time.Hour),
			UserAgent:  "agent/" + c.name,
			IP:         "192.0.2.1",
			Generation: 1,
		}
		first := auth.RefreshToken{Hash: []byte("token-" + c.name), CreatedAt: s.CreatedAt, Generation: 1}
		require.NoError(t, sessions.CreateSession(ctx, &s, first))
		if c.revoke {
			require.NoError(t, sessions.RevokeSession(ctx, s.ID, revokedAt))
			r := utcMicro(revokedAt)
			s.RevokedAt = &r
		}
		s.CreatedAt, s.LastUsedAt, s.ExpiresAt = utcMicro(s.CreatedAt), utcMicro(s.LastUsedAt), utcMicro(s.ExpiresAt)
		fx.sessions[c.name] = s
	}
	return fx
}

// requireSameSession compares two sessions field by field, times by
// instant and by location.
func requireSameSession(t *testing.T, want, got *auth.Session) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.ID, got.ID, "ID")
	assert.Equal(t, want.UserID, got.UserID, "UserID")
	assertSameTime(t, want.CreatedAt, got.CreatedAt, "CreatedAt")
	assertSameTime(t, want.LastUsedAt, got.LastUsedAt, "LastUsedAt")
	assertSameTime(t, want.ExpiresAt, got.ExpiresAt, "ExpiresAt")
	if want.RevokedAt == nil {
		assert.Nil(t, got.RevokedAt, "RevokedAt")
	} else if assert.NotNil(t, got.RevokedAt, "RevokedAt") {
		assertSameTime(t, *want.RevokedAt, *got.RevokedAt, "RevokedAt")
	}
	assert.Equal(t, want.UserAgent, got.UserAgent, "UserAgent")
	assert.Equal(t, want.IP, got.IP, "IP")
	assert.Equal(t, want.Generation, got.Generation, "Generation")
	assert.Equal(t, *want, *got, "whole session")
}

// requireSameUser compares two users field by field.
func requireSameUser(t *testing.T, want, got *auth.User) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.ID, got.ID, "ID")
	assert.Equal(t, want.Email, got.Email, "Email")
	assert.Equal(t, want.Name, got.Name, "Name")
	assert.Equal(t, want.Role, got.Role, "Role")
	assert.Equal(t, want.PasswordHash, got.PasswordHash, "PasswordHash")
	assert.Equal(t, want.Disabled, got.Disabled, "Disabled")
	assertSameTime(t, want.CreatedAt, got.CreatedAt, "CreatedAt")
	assertSameTime(t, want.UpdatedAt, got.UpdatedAt, "UpdatedAt")
	assert.Equal(t, *want, *got, "whole user")
}

func assertSameTime(t *testing.T, want, got time.Time, field string) {
	t.Helper()
	assert.True(t, want.Equal(got), "%s: want %s, got %s", field, want, got)
	assert.Equal(t, time.UTC, got.Location(), "%s location", field)
	assert.Zero(t, got.Nanosecond()%1000, "%s has sub-microsecond digits", field)
}

// TestSessionWithUserPathsAgree runs SessionWithUser's prepared path (on
// SQLite) and bun's query on the same rows and requires both to return the
// stored values, field by field; on PostgreSQL only bun's path exists.
func TestSessionWithUserPathsAgree(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := context.Background()
		fx := seedSessions(t, db)
		st := bunstore.NewSessions(db)
		enabled, prepared := bunstore.UsesPreparedLookup(st)
		require.Equal(t, db.Dialect().Name().String() == "sqlite", enabled, "prepared path only on SQLite")
		require.False(t, prepared, "prepared lazily, not by NewSessions")

		for name, want := range fx.sessions {
			t.Run(name, func(t *testing.T) {
				wantUser := fx.users[want.UserID]
				s, u, err := st.SessionWithUser(ctx, want.ID)
				require.NoError(t, err)
				bs, bu, err := bunstore.SessionWithUserBun(ctx, st, want.ID)
				require.NoError(t, err)

				requireSameSession(t, &want, s)
				requireSameSession(t, &want, bs)
				requireSameSession(t, bs, s)
				requireSameUser(t, &wantUser, u)
				requireSameUser(t, &wantUser, bu)
				requireSameUser(t, bu, u)
			})
		}
		_, prepared = bunstore.UsesPreparedLookup(st)
		assert.Equal(t, enabled, prepared, "statement prepared by the first lookup")

		t.Run("unknown id", func(t *testing.T) {
			id := uuid.Must(uuid.NewV7()).String()
			s, u, err := st.SessionWithUser(ctx, id)
			require.ErrorIs(t, err, storage.ErrNotFound)
			assert.Contains(t, err.Error(), id)
			assert.Nil(t, s)
			assert.Nil(t, u)
			_, _, bunErr := bunstore.SessionWithUserBun(ctx, st, id)
			require.ErrorIs(t, bunErr, storage.ErrNotFound)
			assert.Equal(t, bunErr.Error(), err.Error(), "same error text on both paths")
		})

		t.Run("transaction", func(t *testing.T) {
			want := fx.sessions["revoked"]
			err := db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
				txst := bunstore.NewSessions(tx)
				enabled, _ := bunstore.UsesPreparedLookup(txst)
				assert.False(t, enabled, "a bun.Tx keeps bun's query")
				s, u, err := txst.SessionWithUser(ctx, want.ID)
				if err != nil {
					return err
				}
				requireSameSession(t, &want, s)
				wantUser := fx.users[want.UserID]
				requireSameUser(t, &wantUser, u)
				return nil
			})
			require.NoError(t, err)
		})
	})
}

// TestSessionWithUserPreparedSeesWrites checks the prepared statement reads
// current rows, not a snapshot of its preparation: a session revoked and a
// user disabled after the first lookup show up in the next one.
func TestSessionWithUserPreparedSeesWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	fx := seedSessions(t, db)
	st := bunstore.NewSessions(db)
	live := fx.sessions["live"]

	s, u, err := st.SessionWithUser(ctx, live.ID)
	require.NoError(t, err)
	require.Nil(t, s.RevokedAt)
	require.False(t, u.Disabled)

	now := time.Now()
	require.NoError(t, st.RevokeSession(ctx, live.ID, now))
	_, err = bunstore.NewUsers(db).UpdateUser(ctx, live.UserID, func(u *auth.User) error {
		u.Disabled = true
		u.Role = auth.RoleUser
		return nil
	})
	require.NoError(t, err)

	s, u, err = st.SessionWithUser(ctx, live.ID)
	require.NoError(t, err)
	require.NotNil(t, s.RevokedAt)
	assertSameTime(t, now.UTC().Truncate(time.Microsecond), *s.RevokedAt, "RevokedAt")
	assert.True(t, u.Disabled)
	assert.Equal(t, auth.RoleUser, u.Role)
	bs, bu, err := bunstore.SessionWithUserBun(ctx, st, live.ID)
	require.NoError(t, err)
	requireSameSession(t, bs, s)
	requireSameUser(t, bu, u)
}

// TestSessionWithUserPreparedConcurrent has many goroutines make the first
// lookups at once on a fresh store (run with -race): one statement is
// prepared and every caller gets the stored rows.
func TestSessionWithUserPreparedConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	fx := seedSessions(t, db)
	st := bunstore.NewSessions(db)

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 64 {
		name := []string{"live", "revoked", "disabled-user"}[i%3]
		want := fx.sessions[name]
		wg.Go(func() {
			s, u, err := st.SessionWithUser(ctx, want.ID)
			switch {
			case err != nil:
				errs <- err
			case s.ID != want.ID || !s.LastUsedAt.Equal(want.LastUsedAt) || (s.RevokedAt == nil) != (want.RevokedAt == nil):
				errs <- errors.New("session " + name + " differs from the stored one")
			case u.ID != want.UserID || u.Disabled != fx.users[want.UserID].Disabled:
				errs <- errors.New("user of " + name + " differs from the stored one")
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	_, prepared := bunstore.UsesPreparedLookup(st)
	assert.True(t, prepared)
}

// TestSessionWithUserPrepareRetries checks a failed preparation is not
// remembered: on a database not migrated yet the lookup fails as bun's
// query does, and once migrated the next lookup prepares and succeeds.
func TestSessionWithUserPrepareRetries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, "file:"+filepath.Join(t.TempDir(), "kpbot.db"), storage.PoolConfig{MaxOpenConns: 4})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	st := bunstore.NewSessions(db)

	_, _, err = st.SessionWithUser(ctx, "no-table-yet")
	require.Error(t, err)
	assert.NotErrorIs(t, err, storage.ErrNotFound)
	assert.Contains(t, err.Error(), "kpbot_sessions")
	enabled, prepared := bunstore.UsesPreparedLookup(st)
	require.True(t, enabled)
	require.False(t, prepared, "a failed preparation is not kept")

	require.NoError(t, bunstore.Migrate(ctx, db))
	fx := seedSessions(t, db)
	want := fx.sessions["disabled-user"]
	s, u, err := st.SessionWithUser(ctx, want.ID)
	require.NoError(t, err)
	requireSameSession(t, &want, s)
	wantUser := fx.users[want.UserID]
	requireSameUser(t, &wantUser, u)
	_, prepared = bunstore.UsesPreparedLookup(st)
	assert.True(t, prepared)
}

// TestSessionWithUserAfterClose checks a lookup on a closed database fails
// cleanly instead of panicking or reporting ErrNotFound.
func TestSessionWithUserAfterClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, "file:"+filepath.Join(t.TempDir(), "kpbot.db"), storage.PoolConfig{MaxOpenConns: 4})
	require.NoError(t, err)
	require.NoError(t, bunstore.Migrate(ctx, db))
	fx := seedSessions(t, db)
	st := bunstore.NewSessions(db)
	live := fx.sessions["live"]
	_, _, err = st.SessionWithUser(ctx, live.ID)
	require.NoError(t, err)

	require.NoError(t, db.Close())
	_, _, err = st.SessionWithUser(ctx, live.ID)
	require.Error(t, err)
	assert.NotErrorIs(t, err, storage.ErrNotFound)
}

// hookCounter counts the queries bun runs.
type hookCounter struct{ n atomic.Int64 }

func (h *hookCounter) BeforeQuery(ctx context.Context, _ *bun.QueryEvent) context.Context {
	return ctx
}

func (h *hookCounter) AfterQuery(context.Context, *bun.QueryEvent) { h.n.Add(1) }

// TestSessionWithUserAndQueryHooks checks the documented trade-off: the
// prepared lookup runs beside bun's hooks, and WithBunLookups puts every
// lookup back in front of them.
func TestSessionWithUserAndQueryHooks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	fx := seedSessions(t, db)
	live := fx.sessions["live"]
	counter := new(hookCounter)
	db = db.WithQueryHook(counter)

	st := bunstore.NewSessions(db)
	_, _, err := st.SessionWithUser(ctx, live.ID)
	require.NoError(t, err)
	_, prepared := bunstore.UsesPreparedLookup(st)
	require.True(t, prepared, "the prepared path ran")
	assert.EqualValues(t, 0, counter.n.Load(), "hooks do not see the prepared lookup")

	viaBun := bunstore.NewSessions(db, bunstore.WithBunLookups())
	s, u, err := viaBun.SessionWithUser(ctx, live.ID)
	require.NoError(t, err)
	enabled, _ := bunstore.UsesPreparedLookup(viaBun)
	assert.False(t, enabled)
	assert.EqualValues(t, 1, counter.n.Load(), "with WithBunLookups the hook sees the lookup")
	requireSameSession(t, &live, s)
	wantUser := fx.users[live.UserID]
	requireSameUser(t, &wantUser, u)
}

// TestSessionWithUserPreparedPlan checks SQLite's plan of the prepared
// query: searches on the primary keys, no scan, no sort.
func TestSessionWithUserPreparedPlan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	plan := queryPlan(t, ctx, db.DB, bunstore.SessionWithUserSQL, "x")
	require.Len(t, plan, 2, "one step per table: %v", plan)
	for _, step := range plan {
		assert.Contains(t, step, "SEARCH", "plan %v", plan)
		assert.Contains(t, step, "(id=?)", "plan %v", plan) // the primary keys' autoindexes
		assert.NotContains(t, step, "SCAN", "plan %v", plan)
		assert.NotContains(t, step, "TEMP B-TREE", "plan %v", plan)
	}
}

// BenchmarkSessionWithUser compares the two paths on SQLite.
func BenchmarkSessionWithUser(b *testing.B) {
	ctx := context.Background()
	db := dbtest.SQLite(b)
	st := bunstore.NewSessions(db)
	users := bunstore.NewUsers(db)
	u := auth.User{ID: uuid.Must(uuid.NewV7()).String(), Email: "b@example.com", Role: auth.RoleUser, PasswordHash: []byte("h"), CreatedAt: time.Now(), UpdatedAt: time.Now()}
	require.NoError(b, users.CreateUser(ctx, &u))
	s := auth.Session{ID: uuid.Must(uuid.NewV7()).String(), UserID: u.ID, CreatedAt: time.Now(), LastUsedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour), Generation: 1}
	require.NoError(b, st.CreateSession(ctx, &s, auth.RefreshToken{Hash: []byte("b"), CreatedAt: time.Now(), Generation: 1}))

	b.Run("prepared", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := st.SessionWithUser(ctx, s.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("bun", func(b *testing.B) {
		for b.Loop() {
			if _, _, err := bunstore.SessionWithUserBun(ctx, st, s.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
}
