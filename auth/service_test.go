package auth_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

type fixture struct {
	svc   *auth.Service
	clock *authtest.Clock
	users *bunstore.Users
}

func newFixture(t *testing.T, db *bun.DB, cfg auth.Config) *fixture {
	t.Helper()
	clock := authtest.NewClock(time.Time{})
	cfg.Now = clock.Now
	codec, err := jwt.New(jwt.Config{HS256Key: []byte(strings.Repeat("k", 32)), Now: clock.Now})
	require.NoError(t, err)
	users := bunstore.NewUsers(db)
	svc, err := auth.NewService(context.Background(), cfg, auth.Stores{Users: users, Sessions: bunstore.NewSessions(db)}, codec, authtest.NewHasher(t), nil)
	require.NoError(t, err)
	return &fixture{svc: svc, clock: clock, users: users}
}

func (f *fixture) register(t *testing.T, email string) *auth.AuthResult {
	t.Helper()
	res, err := f.svc.Register(context.Background(), auth.RegisterInput{Email: email, Password: "correct horse battery"}, auth.ClientInfo{UserAgent: "test", IP: "127.0.0.1"})
	require.NoError(t, err)
	return res
}

func TestService(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		ctx := context.Background()

		t.Run("register normalises email and refuses duplicates in any case", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			res := f.register(t, "  Ada@Example.COM ")
			assert.Equal(t, "ada@example.com", res.User.Email)
			assert.Equal(t, auth.RoleUser, res.User.Role)
			_, err := f.svc.Register(ctx, auth.RegisterInput{Email: "ADA@example.com", Password: "another password"}, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrEmailTaken)
		})

		t.Run("register validates input", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			bad := []auth.RegisterInput{
				{Email: "not-an-email", Password: "long enough pw"},
				{Email: "Name <x@example.com>", Password: "long enough pw"},
				{Email: "x@example.com", Password: "short"},
				{Email: "x@example.com", Password: "has\x00nul byte"},
				{Email: "x@example.com", Password: strings.Repeat("p", auth.MaxPasswordBytes+1)},
				{Email: "x@example.com", Password: "long enough pw", Name: "bell\x07"},
			}
			for _, in := range bad {
				_, err := f.svc.Register(ctx, in, auth.ClientInfo{})
				var ve *auth.ValidationError
				assert.ErrorAs(t, err, &ve, "input %+q", in)
			}
		})

		t.Run("login: wrong password and unknown email fail alike", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			f.register(t, "login@example.com")
			_, err := f.svc.Login(ctx, "login@example.com", "wrong password!", auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidCredentials)
			_, err = f.svc.Login(ctx, "nobody@example.com", "wrong password!", auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidCredentials)
			res, err := f.svc.Login(ctx, "LOGIN@example.com", "correct horse battery", auth.ClientInfo{})
			require.NoError(t, err)
			assert.NotEmpty(t, res.Tokens.AccessToken)
		})

		t.Run("a long password never matches its 72-byte prefix", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			long := strings.Repeat("a", 72) + "-and-more"
			_, err := f.svc.Register(ctx, auth.RegisterInput{Email: "long@example.com", Password: long}, auth.ClientInfo{})
			require.NoError(t, err)
			_, err = f.svc.Login(ctx, "long@example.com", long[:72], auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidCredentials)
			_, err = f.svc.Login(ctx, "long@example.com", long, auth.ClientInfo{})
			assert.NoError(t, err)
		})

		t.Run("refresh rotates; reuse revokes the session", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			first := f.register(t, "rotate@example.com")
			second, err := f.svc.Refresh(ctx, first.Tokens.RefreshToken, auth.ClientInfo{UserAgent: "ua2"})
			require.NoError(t, err)
			assert.NotEqual(t, first.Tokens.RefreshToken, second.Tokens.RefreshToken)
			_, err = f.svc.Authenticate(ctx, second.Tokens.AccessToken)
			require.NoError(t, err)

			_, err = f.svc.Refresh(ctx, first.Tokens.RefreshToken, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrTokenReused)
			_, err = f.svc.Refresh(ctx, second.Tokens.RefreshToken, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidToken, "the whole session is gone")
			_, err = f.svc.Authenticate(ctx, second.Tokens.AccessToken)
			assert.ErrorIs(t, err, auth.ErrInvalidToken)
			_, err = f.svc.Authenticate(ctx, first.Tokens.AccessToken)
			assert.ErrorIs(t, err, auth.ErrInvalidToken)
		})

		t.Run("grace window answers only the immediate predecessor", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{RefreshReuseGrace: 10 * time.Second})
			r1 := f.register(t, "grace@example.com")
			r2, err := f.svc.Refresh(ctx, r1.Tokens.RefreshToken, auth.ClientInfo{})
			require.NoError(t, err)
			f.clock.Advance(2 * time.Second)
			_, err = f.svc.Refresh(ctx, r1.Tokens.RefreshToken, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrRefreshGrace)
			r3, err := f.svc.Refresh(ctx, r2.Tokens.RefreshToken, auth.ClientInfo{})
			require.NoError(t, err, "nothing was revoked by the grace answer")
			// r1 is two generations back now: a reuse, even within the window.
			_, err = f.svc.Refresh(ctx, r1.Tokens.RefreshToken, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrTokenReused)
			_, err = f.svc.Refresh(ctx, r3.Tokens.RefreshToken, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidToken)
		})

		t.Run("grace expires", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{RefreshReuseGrace: 5 * time.Second})
			r1 := f.register(t, "grace-late@example.com")
			_, err := f.svc.Refresh(ctx, r1.Tokens.RefreshToken, auth.ClientInfo{})
			require.NoError(t, err)
			f.clock.Advance(6 * time.Second)
			_, err = f.svc.Refresh(ctx, r1.Tokens.RefreshToken, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrTokenReused)
		})

		t.Run("concurrent refreshes: exactly one wins", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			r := f.register(t, "race@example.com")
			const n = 12
			var wg sync.WaitGroup
			results := make(chan error, n)
			for range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, err := f.svc.Refresh(ctx, r.Tokens.RefreshToken, auth.ClientInfo{})
					results <- err
				}()
			}
			wg.Wait()
			close(results)
			wins := 0
			for err := range results {
				if err == nil {
					wins++
					continue
				}
				assert.True(t, errors.Is(err, auth.ErrTokenReused) || errors.Is(err, auth.ErrInvalidToken), "unexpected error %v", err)
			}
			assert.Equal(t, 1, wins)
		})

		t.Run("idle timeout and absolute lifetime end sessions", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{SessionIdleTimeout: time.Hour, SessionMaxLifetime: 3 * time.Hour, AccessTTL: time.Minute})
			r := f.register(t, "idle@example.com")
			f.clock.Advance(61 * time.Minute)
			_, err := f.svc.Refresh(ctx, r.Tokens.RefreshToken, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidToken, "idle too long")

			r = f.register(t, "absolute@example.com")
			tok := r.Tokens.RefreshToken
			for range 5 { // keep it busy, but the absolute lifetime still ends it
				f.clock.Advance(50 * time.Minute)
				next, err := f.svc.Refresh(ctx, tok, auth.ClientInfo{})
				if err != nil {
					assert.ErrorIs(t, err, auth.ErrInvalidToken)
					return
				}
				tok = next.Tokens.RefreshToken
			}
			t.Fatal("session outlived its absolute lifetime")
		})

		t.Run("access token expires", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{AccessTTL: time.Minute})
			r := f.register(t, "expire@example.com")
			f.clock.Advance(2 * time.Minute)
			_, err := f.svc.Authenticate(ctx, r.Tokens.AccessToken)
			assert.ErrorIs(t, err, auth.ErrInvalidToken)
		})

		t.Run("logout revokes the session and a presented sibling", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			a := f.register(t, "logout@example.com")
			b, err := f.svc.Login(ctx, "logout@example.com", "correct horse battery", auth.ClientInfo{})
			require.NoError(t, err)
			p, err := f.svc.Authenticate(ctx, a.Tokens.AccessToken)
			require.NoError(t, err)
			require.NoError(t, f.svc.Logout(ctx, p, b.Tokens.RefreshToken))
			_, err = f.svc.Authenticate(ctx, a.Tokens.AccessToken)
			assert.ErrorIs(t, err, auth.ErrInvalidToken)
			_, err = f.svc.Authenticate(ctx, b.Tokens.AccessToken)
			assert.ErrorIs(t, err, auth.ErrInvalidToken)
		})

		t.Run("sessions are private", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			alice := f.register(t, "alice-s@example.com")
			bob := f.register(t, "bob-s@example.com")
			pa, err := f.svc.Authenticate(ctx, alice.Tokens.AccessToken)
			require.NoError(t, err)
			assert.ErrorIs(t, f.svc.RevokeSession(ctx, pa, bob.Session.ID), auth.ErrNotFound)
			assert.ErrorIs(t, f.svc.RevokeSession(ctx, pa, "no-such-session"), auth.ErrNotFound)
			list, err := f.svc.Sessions(ctx, pa)
			require.NoError(t, err)
			require.Len(t, list, 1)
			assert.Equal(t, alice.Session.ID, list[0].ID)
		})

		t.Run("admin: roles, disabling, no self-lockout", func(t *testing.T) {
			f := newFixture(t, db, auth.Config{})
			admin, err := f.svc.EnsureAdmin(ctx, "root@example.com", "admin password")
			require.NoError(t, err)
			ar, err := f.svc.Login(ctx, "root@example.com", "admin password", auth.ClientInfo{})
			require.NoError(t, err)
			pa, err := f.svc.Authenticate(ctx, ar.Tokens.AccessToken)
			require.NoError(t, err)
			assert.Equal(t, auth.RoleAdmin, pa.Role())

			u := f.register(t, "victim@example.com")
			pu, err := f.svc.Authenticate(ctx, u.Tokens.AccessToken)
			require.NoError(t, err)
			_, err = f.svc.ListUsers(ctx, pu, storage.ListParams{})
			assert.ErrorIs(t, err, auth.ErrForbidden)
			_, err = f.svc.UpdateUser(ctx, pu, admin.ID, auth.UserPatch{Disabled: ptr(true)})
			assert.ErrorIs(t, err, auth.ErrForbidden)

			mod := auth.RoleModerator
			got, err := f.svc.UpdateUser(ctx, pa, u.User.ID, auth.UserPatch{Role: &mod})
			require.NoError(t, err)
			assert.Equal(t, auth.RoleModerator, got.Role)
			pu, err = f.svc.Authenticate(ctx, u.Tokens.AccessToken)
			require.NoError(t, err)
			assert.Equal(t, auth.RoleModerator, pu.Role(), "a role change applies to live tokens at once")

			_, err = f.svc.UpdateUser(ctx, pa, u.User.ID, auth.UserPatch{Disabled: ptr(true)})
			require.NoError(t, err)
			_, err = f.svc.Authenticate(ctx, u.Tokens.AccessToken)
			assert.ErrorIs(t, err, auth.ErrInvalidToken)
			_, err = f.svc.Refresh(ctx, u.Tokens.RefreshToken, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidToken)
			_, err = f.svc.Login(ctx, "victim@example.com", "correct horse battery", auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrAccountDisabled)

			var ve *auth.ValidationError
			_, err = f.svc.UpdateUser(ctx, pa, admin.ID, auth.UserPatch{Disabled: ptr(true)})
			assert.ErrorAs(t, err, &ve)
			_, err = f.svc.UpdateUser(ctx, pa, admin.ID, auth.UserPatch{Role: &mod})
			assert.ErrorAs(t, err, &ve)
			bogus := auth.Role("superuser")
			_, err = f.svc.UpdateUser(ctx, pa, u.User.ID, auth.UserPatch{Role: &bogus})
			assert.ErrorAs(t, err, &ve)
			_, err = f.svc.UpdateUser(ctx, pa, "missing", auth.UserPatch{Role: &mod})
			assert.ErrorIs(t, err, auth.ErrNotFound)

			// EnsureAdmin on an existing account promotes, re-enables and resets it.
			_, err = f.svc.EnsureAdmin(ctx, "VICTIM@example.com", "new admin password")
			require.NoError(t, err)
			r, err := f.svc.Login(ctx, "victim@example.com", "new admin password", auth.ClientInfo{})
			require.NoError(t, err)
			assert.Equal(t, auth.RoleAdmin, r.User.Role)
		})
	})
}

func TestRolePermissions(t *testing.T) {
	assert.True(t, auth.RoleUser.Can(auth.PermCampaignsOwn))
	assert.False(t, auth.RoleUser.Can(auth.PermCommentsReview))
	assert.True(t, auth.RoleModerator.Can(auth.PermCommentsReview))
	assert.False(t, auth.RoleModerator.Can(auth.PermUsersManage))
	assert.True(t, auth.RoleAdmin.Can(auth.PermUsersManage))
	assert.True(t, auth.RoleAdmin.Can(auth.PermAnalyticsRead))
	_, err := auth.ParseRole("root")
	assert.Error(t, err)
	r, err := auth.ParseRole("moderator")
	require.NoError(t, err)
	assert.Equal(t, auth.RoleModerator, r)
}

func TestConfigValidate(t *testing.T) {
	assert.NoError(t, auth.Config{}.Validate())
	assert.Error(t, auth.Config{AccessTTL: -time.Second}.Validate())
	assert.Error(t, auth.Config{AccessTTL: 48 * time.Hour, SessionMaxLifetime: time.Hour}.Validate())
}

func ptr[T any](v T) *T { return &v }

func TestNewServiceNeedsItsDependencies(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	stores := auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}
	codec, hasher := authtest.NewCodec(t), authtest.NewHasher(t)
	for name, call := range map[string]func() (*auth.Service, error){
		"users": func() (*auth.Service, error) {
			return auth.NewService(t.Context(), auth.Config{}, auth.Stores{Sessions: stores.Sessions}, codec, hasher, nil)
		},
		"sessions": func() (*auth.Service, error) {
			return auth.NewService(t.Context(), auth.Config{}, auth.Stores{Users: stores.Users}, codec, hasher, nil)
		},
		"codec": func() (*auth.Service, error) {
			return auth.NewService(t.Context(), auth.Config{}, stores, nil, hasher, nil)
		},
		"hasher": func() (*auth.Service, error) {
			return auth.NewService(t.Context(), auth.Config{}, stores, codec, nil, nil)
		},
	} {
		svc, err := call()
		require.Error(t, err, name)
		assert.Nil(t, svc, name)
	}
	svc, err := auth.NewService(t.Context(), auth.Config{}, stores, codec, hasher, nil)
	require.NoError(t, err, "the limiter and the optional stores may be nil")
	assert.False(t, svc.AccountsEnabled())
	assert.False(t, svc.DeletionEnabled())
}
