package storetest

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

// TestAccountTokenStore runs the account token scenarios. newStores is
// called once per scenario and may return stores over one shared database.
func TestAccountTokenStore(t *testing.T, newStores func(t *testing.T) (auth.UserStore, auth.AccountTokenStore)) {
	t.Helper()
	scenarios := []struct {
		name string
		fn   func(t *testing.T, users auth.UserStore, tokens auth.AccountTokenStore)
	}{
		{"ConsumeOnce", testConsumeOnce},
		{"ConsumeChecksPurposeAndExpiry", testConsumeChecksPurposeAndExpiry},
		{"NewerTokenRetiresOlder", testNewerTokenRetiresOlder},
		{"TokenWithoutUser", testTokenWithoutUser},
		{"RetireAccountTokens", testRetireAccountTokens},
		{"ConsumeRace", testConsumeRace},
		{"EmailVerifiedAtRoundTrips", testEmailVerifiedAtRoundTrips},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			users, tokens := newStores(t)
			sc.fn(t, users, tokens)
		})
	}
}

func newAccountToken(userID, email string, purpose auth.TokenPurpose, at time.Time) *auth.AccountToken {
	return &auth.AccountToken{
		Hash: tokenHash(newID()), Purpose: purpose, UserID: userID, Email: email,
		CreatedAt: at, ExpiresAt: at.Add(30 * time.Minute),
	}
}

func testConsumeOnce(t *testing.T, users auth.UserStore, tokens auth.AccountTokenStore) {
	u := createUser(t, users)
	at := now()
	tok := newAccountToken(u.ID, u.Email, auth.PurposePasswordReset, at)
	require.NoError(t, tokens.CreateAccountToken(t.Context(), tok))
	got, err := tokens.ConsumeAccountToken(t.Context(), tok.Hash, auth.PurposePasswordReset, at.Add(time.Minute))
	require.NoError(t, err)
	assert.Equal(t, u.ID, got.UserID)
	assert.Equal(t, u.Email, got.Email)
	assert.Equal(t, auth.PurposePasswordReset, got.Purpose)
	assertTime(t, tok.ExpiresAt, got.ExpiresAt, "ExpiresAt")
	require.NotNil(t, got.UsedAt)
	assertTime(t, at.Add(time.Minute), *got.UsedAt, "UsedAt")
	_, err = tokens.ConsumeAccountToken(t.Context(), tok.Hash, auth.PurposePasswordReset, at.Add(2*time.Minute))
	require.ErrorIs(t, err, storage.ErrNotFound, "a used token")
	_, err = tokens.ConsumeAccountToken(t.Context(), tokenHash("never stored "+newID()), auth.PurposePasswordReset, at)
	require.ErrorIs(t, err, storage.ErrNotFound, "an unknown token")
}

func testConsumeChecksPurposeAndExpiry(t *testing.T, users auth.UserStore, tokens auth.AccountTokenStore) {
	u := createUser(t, users)
	at := now()
	tok := newAccountToken(u.ID, u.Email, auth.PurposeVerifyEmail, at)
	require.NoError(t, tokens.CreateAccountToken(t.Context(), tok))
	_, err := tokens.ConsumeAccountToken(t.Context(), tok.Hash, auth.PurposePasswordReset, at)
	require.ErrorIs(t, err, storage.ErrNotFound, "another purpose")
	_, err = tokens.ConsumeAccountToken(t.Context(), tok.Hash, auth.PurposeVerifyEmail, tok.ExpiresAt)
	require.ErrorIs(t, err, storage.ErrNotFound, "at its expiry")
	_, err = tokens.ConsumeAccountToken(t.Context(), tok.Hash, auth.PurposeVerifyEmail, tok.ExpiresAt.Add(-time.Microsecond))
	require.NoError(t, err, "just before its expiry")
}

func testNewerTokenRetiresOlder(t *testing.T, users auth.UserStore, tokens auth.AccountTokenStore) {
	u := createUser(t, users)
	at := now()
	old := newAccountToken(u.ID, u.Email, auth.PurposePasswordReset, at)
	other := newAccountToken(u.ID, u.Email, auth.PurposeVerifyEmail, at)
	require.NoError(t, tokens.CreateAccountToken(t.Context(), old))
	require.NoError(t, tokens.CreateAccountToken(t.Context(), other))
	newer := newAccountToken(u.ID, u.Email, auth.PurposePasswordReset, at.Add(time.Second))
	require.NoError(t, tokens.CreateAccountToken(t.Context(), newer))
	_, err := tokens.ConsumeAccountToken(t.Context(), old.Hash, auth.PurposePasswordReset, at.Add(2*time.Second))
	require.ErrorIs(t, err, storage.ErrNotFound, "the older reset token is retired")
	_, err = tokens.ConsumeAccountToken(t.Context(), other.Hash, auth.PurposeVerifyEmail, at.Add(2*time.Second))
	require.NoError(t, err, "a token of another purpose stays")
	_, err = tokens.ConsumeAccountToken(t.Context(), newer.Hash, auth.PurposePasswordReset, at.Add(2*time.Second))
	require.NoError(t, err)
}

func testTokenWithoutUser(t *testing.T, _ auth.UserStore, tokens auth.AccountTokenStore) {
	at := now()
	email := "invitee-" + newID() + "@example.test"
	first := newAccountToken("", email, auth.PurposeInvitation, at)
	first.Role = auth.RoleModerator
	require.NoError(t, tokens.CreateAccountToken(t.Context(), first))
	second := newAccountToken("", email, auth.PurposeInvitation, at.Add(time.Second))
	second.Role = auth.RoleModerator
	require.NoError(t, tokens.CreateAccountToken(t.Context(), second))
	_, err := tokens.ConsumeAccountToken(t.Context(), first.Hash, auth.PurposeInvitation, at.Add(2*time.Second))
	require.ErrorIs(t, err, storage.ErrNotFound, "a newer token for the same address retires the older")
	got, err := tokens.ConsumeAccountToken(t.Context(), second.Hash, auth.PurposeInvitation, at.Add(2*time.Second))
	require.NoError(t, err)
	assert.Empty(t, got.UserID)
	assert.Equal(t, email, got.Email)
	assert.Equal(t, auth.RoleModerator, got.Role)
}

func testRetireAccountTokens(t *testing.T, users auth.UserStore, tokens auth.AccountTokenStore) {
	u := createUser(t, users)
	at := now()
	reset := newAccountToken(u.ID, u.Email, auth.PurposePasswordReset, at)
	verify := newAccountToken(u.ID, u.Email, auth.PurposeVerifyEmail, at)
	require.NoError(t, tokens.CreateAccountToken(t.Context(), reset))
	require.NoError(t, tokens.CreateAccountToken(t.Context(), verify))
	require.NoError(t, tokens.RetireAccountTokens(t.Context(), u.ID, auth.PurposePasswordReset, at.Add(time.Second)))
	_, err := tokens.ConsumeAccountToken(t.Context(), reset.Hash, auth.PurposePasswordReset, at.Add(2*time.Second))
	require.ErrorIs(t, err, storage.ErrNotFound)
	_, err = tokens.ConsumeAccountToken(t.Context(), verify.Hash, auth.PurposeVerifyEmail, at.Add(2*time.Second))
	require.NoError(t, err)
}

func testConsumeRace(t *testing.T, users auth.UserStore, tokens auth.AccountTokenStore) {
	u := createUser(t, users)
	at := now()
	tok := newAccountToken(u.ID, u.Email, auth.PurposePasswordReset, at)
	require.NoError(t, tokens.CreateAccountToken(t.Context(), tok))
	var wins, misses atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := tokens.ConsumeAccountToken(t.Context(), tok.Hash, auth.PurposePasswordReset, at.Add(time.Second))
			switch {
			case err == nil:
				wins.Add(1)
			case assert.ErrorIs(t, err, storage.ErrNotFound):
				misses.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(1), wins.Load())
	assert.Equal(t, int32(7), misses.Load())
}

func testEmailVerifiedAtRoundTrips(t *testing.T, users auth.UserStore, _ auth.AccountTokenStore) {
	u := createUser(t, users)
	got, err := users.UserByID(t.Context(), u.ID)
	require.NoError(t, err)
	assert.Nil(t, got.EmailVerifiedAt)
	at := now()
	_, err = users.UpdateUser(t.Context(), u.ID, func(u *auth.User) error { u.EmailVerifiedAt = &at; return nil })
	require.NoError(t, err)
	got, err = users.UserByID(t.Context(), u.ID)
	require.NoError(t, err)
	require.NotNil(t, got.EmailVerifiedAt)
	assertTime(t, at, *got.EmailVerifiedAt, "EmailVerifiedAt")
}
