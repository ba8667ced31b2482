package authbus_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authbus"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/eventbus"
)

// instance is one kpbot instance's auth service with a session cache.
func instance(t *testing.T, db *bun.DB, rev auth.Revocations, ttl time.Duration) *auth.Service {
	t.Helper()
	codec, err := jwt.New(jwt.Config{HS256Key: []byte(strings.Repeat("k", 32))})
	require.NoError(t, err)
	svc, err := auth.NewService(t.Context(), auth.Config{SessionCacheTTL: ttl, Revocations: rev},
		auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, authtest.NewHasher(t), nil)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = svc.WatchRevocations(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return svc
}

func TestRevocationReachesTheOtherInstanceCache(t *testing.T) {
	db := dbtest.SQLite(t)
	bus := eventbus.NewLocal()
	t.Cleanup(func() { _ = bus.Close() })
	// A long TTL: only the announcement can make B forget in time.
	a := instance(t, db, mustNew(t, bus), time.Hour)
	b := instance(t, db, mustNew(t, bus), time.Hour)
	ctx := t.Context()

	res, err := a.Register(ctx, auth.RegisterInput{Email: "cache@example.com", Password: "cache password"}, auth.ClientInfo{})
	require.NoError(t, err)
	tok := res.Tokens.AccessToken
	pb, err := b.Authenticate(ctx, tok) // B caches the live session
	require.NoError(t, err)
	_, err = b.Authenticate(ctx, tok)
	require.NoError(t, err)

	require.NoError(t, a.Logout(ctx, pb, ""))
	_, err = a.Authenticate(ctx, tok)
	assert.ErrorIs(t, err, auth.ErrInvalidToken, "the revoking instance forgets at once")
	assert.Eventually(t, func() bool {
		_, err := b.Authenticate(ctx, tok)
		return err != nil
	}, 2*time.Second, 5*time.Millisecond, "the other instance forgets when the notice arrives")
}

func TestUserChangesReachTheCache(t *testing.T) {
	db := dbtest.SQLite(t)
	bus := eventbus.NewLocal()
	t.Cleanup(func() { _ = bus.Close() })
	a := instance(t, db, mustNew(t, bus), time.Hour)
	b := instance(t, db, mustNew(t, bus), time.Hour)
	ctx := t.Context()

	admin, err := a.EnsureAdmin(ctx, "root@example.com", "root password")
	require.NoError(t, err)
	ar, err := a.Login(ctx, admin.Email, "root password", auth.ClientInfo{})
	require.NoError(t, err)
	pa, err := a.Authenticate(ctx, ar.Tokens.AccessToken)
	require.NoError(t, err)
	u, err := a.Register(ctx, auth.RegisterInput{Email: "mod@example.com", Password: "user password"}, auth.ClientInfo{})
	require.NoError(t, err)
	pu, err := b.Authenticate(ctx, u.Tokens.AccessToken)
	require.NoError(t, err)
	require.Equal(t, auth.RoleUser, pu.Role())

	mod := auth.RoleModerator
	_, err = a.UpdateUser(ctx, pa, u.User.ID, auth.UserPatch{Role: &mod})
	require.NoError(t, err)
	assert.Eventually(t, func() bool {
		p, err := b.Authenticate(ctx, u.Tokens.AccessToken)
		return err == nil && p.Role() == auth.RoleModerator
	}, 2*time.Second, 5*time.Millisecond, "a role change reaches the other instance's cache")

	yes := true
	_, err = a.UpdateUser(ctx, pa, u.User.ID, auth.UserPatch{Disabled: &yes})
	require.NoError(t, err)
	assert.Eventually(t, func() bool {
		_, err := b.Authenticate(ctx, u.Tokens.AccessToken)
		return err != nil
	}, 2*time.Second, 5*time.Millisecond)
}

func TestCacheExpiresWithoutAnnouncements(t *testing.T) {
	db := dbtest.SQLite(t)
	clock := authtest.NewClock(time.Time{})
	codec, err := jwt.New(jwt.Config{HS256Key: []byte(strings.Repeat("k", 32)), Now: clock.Now})
	require.NoError(t, err)
	mk := func() *auth.Service {
		svc, err := auth.NewService(t.Context(), auth.Config{SessionCacheTTL: 5 * time.Second, Now: clock.Now},
			auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, authtest.NewHasher(t), nil)
		require.NoError(t, err)
		return svc
	}
	a, b := mk(), mk() // no Revocations: instances only share the database
	ctx := t.Context()
	res, err := a.Register(ctx, auth.RegisterInput{Email: "ttl@example.com", Password: "ttl password"}, auth.ClientInfo{})
	require.NoError(t, err)
	p, err := b.Authenticate(ctx, res.Tokens.AccessToken)
	require.NoError(t, err)
	require.NoError(t, a.Logout(ctx, p, ""))
	_, err = b.Authenticate(ctx, res.Tokens.AccessToken)
	assert.NoError(t, err, "without announcements B may serve its cached copy for up to the TTL")
	clock.Advance(5 * time.Second)
	_, err = b.Authenticate(ctx, res.Tokens.AccessToken)
	assert.ErrorIs(t, err, auth.ErrInvalidToken, "but never longer")
}

func mustNew(t *testing.T, bus events.Bus) *authbus.Revocations {
	t.Helper()
	r, err := authbus.New(bus)
	require.NoError(t, err)
	return r
}

func TestNewNeedsABus(t *testing.T) {
	_, err := authbus.New(nil)
	require.Error(t, err)
}
