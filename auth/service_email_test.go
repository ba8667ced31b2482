package auth_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/net/idna"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// countingUsers is the real store, counting lookups by email.
type countingUsers struct {
	*bunstore.Users
	lookups atomic.Int64
}

func (c *countingUsers) UserByEmailKey(ctx context.Context, keys ...string) (*auth.User, error) {
	c.lookups.Add(1)
	return c.Users.UserByEmailKey(ctx, keys...)
}

func newEmailFixture(t *testing.T, db *bun.DB) (*auth.Service, *countingUsers) {
	t.Helper()
	clock := authtest.NewClock(time.Time{})
	codec, err := jwt.New(jwt.Config{HS256Key: make([]byte, 32), Now: clock.Now})
	require.NoError(t, err)
	users := &countingUsers{Users: bunstore.NewUsers(db)}
	svc, err := auth.NewService(t.Context(), auth.Config{Now: clock.Now}, auth.Stores{Users: users, Sessions: bunstore.NewSessions(db)}, codec, authtest.NewHasher(t), nil)
	require.NoError(t, err)
	return svc, users
}

func TestServiceLookAlikeEmails(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := t.Context()
		svc, users := newEmailFixture(t, db)
		const pw = "correct horse battery"
		register := func(email string) (*auth.AuthResult, error) {
			return svc.Register(ctx, auth.RegisterInput{Email: email, Password: pw}, auth.ClientInfo{})
		}

		t.Run("one key or one skeleton is one account", func(t *testing.T) {
			puny, err := idna.Lookup.ToASCII("bücher-svc.example")
			require.NoError(t, err)
			for _, p := range [][2]string{
				{"straße@svc.example", "strasse@svc.example"},
				{"ada@svc.example", "ａｄａ@svc.example"},
				{"coco@svc.example", "сосо@svc.example"},
				{"ivan@svc.example", "ıvan@svc.example"},
				{"b@bücher-svc.example", "b@" + puny},
			} {
				first, err := register(p[0])
				require.NoError(t, err, p[0])
				_, err = register(p[1])
				assert.ErrorIs(t, err, auth.ErrEmailTaken, "%q after %q", p[1], p[0])
				// Login finds the account by the exact key only.
				res, err := svc.Login(ctx, p[0], pw, auth.ClientInfo{})
				require.NoError(t, err)
				assert.Equal(t, first.User.ID, res.User.ID)
			}
			res, err := svc.Login(ctx, "STRASSE@SVC.EXAMPLE", pw, auth.ClientInfo{})
			require.NoError(t, err, "strasse is the key of straße")
			assert.Equal(t, "straße@svc.example", res.User.Email, "the address is shown as registered")
			_, err = svc.Login(ctx, "сосо@svc.example", pw, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidCredentials, "a look-alike never signs in to the account it imitates")
		})

		t.Run("invisible characters are refused with a reason", func(t *testing.T) {
			for _, email := range []string{"a\u200bb@svc.example", "ab\u202e@svc.example", "a\u00adb@svc.example", "a\x00b@svc.example"} {
				_, err := register(email)
				var ve *auth.ValidationError
				require.True(t, errors.As(err, &ve), "%q: %v", email, err)
				assert.Equal(t, "email", ve.Field)
			}
		})

		t.Run("login with NUL or control characters never reaches the store", func(t *testing.T) {
			before := users.lookups.Load()
			for _, email := range []string{"a\x00@svc.example", "a\x07@svc.example", ""} {
				_, err := svc.Login(ctx, email, pw, auth.ClientInfo{})
				assert.ErrorIs(t, err, auth.ErrInvalidCredentials)
			}
			assert.Equal(t, before, users.lookups.Load())
			_, err := svc.Login(ctx, "nobody@svc.example", pw, auth.ClientInfo{})
			assert.ErrorIs(t, err, auth.ErrInvalidCredentials)
			assert.Equal(t, before+1, users.lookups.Load(), "an unknown address is looked up, as a known one is")
		})

		t.Run("an address stored before normalisation signs in by its exact form", func(t *testing.T) {
			at := time.Now().UTC()
			old := &auth.User{ID: "legacy-user-" + db.Dialect().Name().String(), Email: `"old style"@svc.example`, Role: auth.RoleUser, CreatedAt: at, UpdatedAt: at}
			hasher := authtest.NewHasher(t)
			hash, err := hasher.Hash(ctx, pw)
			require.NoError(t, err)
			old.PasswordHash = hash
			require.NoError(t, users.CreateUser(ctx, old))
			res, err := svc.Login(ctx, ` "Old Style"@SVC.example `, pw, auth.ClientInfo{})
			require.NoError(t, err)
			assert.Equal(t, old.ID, res.User.ID)
		})

		t.Run("EnsureAdmin finds the account by key and refuses a look-alike", func(t *testing.T) {
			u, err := register("boss@svc.example")
			require.NoError(t, err)
			admin, err := svc.EnsureAdmin(ctx, "ＢＯＳＳ@svc.example", "new admin password")
			require.NoError(t, err)
			assert.Equal(t, u.User.ID, admin.ID, "the fullwidth form is the same account")
			assert.Equal(t, auth.RoleAdmin, admin.Role)
			_, err = register("coco@admin.svc.example")
			require.NoError(t, err)
			_, err = svc.EnsureAdmin(ctx, "сосо@admin.svc.example", "new admin password") // Cyrillic
			assert.ErrorIs(t, err, auth.ErrEmailTaken, "a look-alike of an account is refused")
			_, err = svc.EnsureAdmin(ctx, "bo\u200bss@svc.example", "new admin password")
			var ve *auth.ValidationError
			assert.ErrorAs(t, err, &ve)
		})
	})
}
