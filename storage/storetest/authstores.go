// Package storetest is the conformance suite every implementation of the
// store ports runs, like Watermill's pubsub/tests: an adapter's own test
// calls TestAuthStores with a constructor, on every database it supports.
//
// Scenarios run as parallel subtests and each makes its own users (unique
// IDs and emails), so they can share one database. Times in the suite are
// UTC and whole microseconds, the precision SQL databases keep, and the
// suite expects them back exactly.
package storetest

import (
	"crypto/sha256"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/idna"

	"github.com/kpbot/kpbot/auth"
)

// TestAuthStores runs every auth store scenario against the stores
// newStores returns. newStores is called once per scenario and may return
// stores over one shared database.
func TestAuthStores(t *testing.T, newStores func(t *testing.T) (auth.UserStore, auth.SessionStore)) {
	t.Helper()
	scenarios := []struct {
		name string
		fn   func(t *testing.T, users auth.UserStore, sessions auth.SessionStore)
	}{
		{"CreateAndGetUser", testCreateAndGetUser},
		{"EmailIsCaseInsensitive", testEmailIsCaseInsensitive},
		{"LookAlikeEmailsConflict", testLookAlikeEmailsConflict},
		{"UserByEmailKeyPrefersEarlierKey", testUserByEmailKeyPrefersEarlierKey},
		{"UpdateUserKeepsEmail", testUpdateUserKeepsEmail},
		{"DuplicateUserID", testDuplicateUserID},
		{"NotFound", testNotFound},
		{"ListUsersPaging", testListUsersPaging},
		{"ListUsersInvalidCursor", testListUsersInvalidCursor},
		{"UpdateUserApplies", testUpdateUserApplies},
		{"UpdateUserErrorRollsBack", testUpdateUserErrorRollsBack},
		{"UpdateUserConcurrent", testUpdateUserConcurrent},
		{"CreateSessionAndLookups", testCreateSessionAndLookups},
		{"DuplicateSession", testDuplicateSession},
		{"RotateRefresh", testRotateRefresh},
		{"RotateRefreshAlreadyRotated", testRotateRefreshAlreadyRotated},
		{"RotateRefreshRace", testRotateRefreshRace},
		{"RevokeSessionIdempotent", testRevokeSessionIdempotent},
		{"RevokeUserSessions", testRevokeUserSessions},
		{"ListSessionsActiveNewestFirst", testListSessionsActiveNewestFirst},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			users, sessions := newStores(t)
			sc.fn(t, users, sessions)
		})
	}
}

// newID returns a fresh time-ordered ID, as the service makes them.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// now returns the current time as the suite uses it: UTC, microseconds.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// newUser returns an unsaved user with a unique ID and email.
func newUser() *auth.User {
	id := newID()
	at := now()
	return &auth.User{
		ID:           id,
		Email:        "user-" + id + "@example.test",
		Name:         "User " + id[len(id)-6:],
		Role:         auth.RoleUser,
		PasswordHash: []byte("$2a$04$hash-of-" + id),
		CreatedAt:    at,
		UpdatedAt:    at,
	}
}

// createUser saves a new user and returns it.
func createUser(t *testing.T, users auth.UserStore) *auth.User {
	t.Helper()
	u := newUser()
	if users != nil { // stores without a user table (in memory) only need the ID
		require.NoError(t, users.CreateUser(t.Context(), u))
	}
	return u
}

// emailKey returns the key auth.ParseEmail gives email.
func emailKey(t *testing.T, email string) string {
	t.Helper()
	e, err := auth.ParseEmail(email)
	require.NoError(t, err, "email %q", email)
	return e.Key
}

// punycode returns domain in its ASCII (IDNA) form.
func punycode(t *testing.T, domain string) string {
	t.Helper()
	ascii, err := idna.Lookup.ToASCII(domain)
	require.NoError(t, err)
	require.NotEqual(t, domain, ascii, "the domain must need punycode")
	return ascii
}

// tokenHash returns the hash of a refresh token named by s.
func tokenHash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// newSession returns an unsaved session of userID created at `at`, and its
// first refresh token.
func newSession(userID string, at time.Time) (*auth.Session, auth.RefreshToken) {
	s := &auth.Session{
		ID:         newID(),
		UserID:     userID,
		CreatedAt:  at,
		LastUsedAt: at,
		ExpiresAt:  at.Add(30 * 24 * time.Hour),
		UserAgent:  "storetest/1.0",
		IP:         "192.0.2.1",
		Generation: 1,
	}
	return s, auth.RefreshToken{Hash: tokenHash(s.ID + "/1"), SessionID: s.ID, CreatedAt: at, Generation: 1}
}

// createSession saves a new session of userID created at `at`.
func createSession(t *testing.T, sessions auth.SessionStore, userID string, at time.Time) (*auth.Session, auth.RefreshToken) {
	t.Helper()
	s, tok := newSession(userID, at)
	require.NoError(t, sessions.CreateSession(t.Context(), s, tok))
	return s, tok
}

// assertTime checks that got is want, in UTC.
func assertTime(t *testing.T, want, got time.Time, what string) {
	t.Helper()
	assert.Truef(t, want.Equal(got), "%s: want %s, got %s", what, want, got)
	assert.Equalf(t, time.UTC, got.Location(), "%s must be UTC", what)
}

func assertUser(t *testing.T, want, got *auth.User) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.Email, got.Email)
	assert.Equal(t, want.Name, got.Name)
	assert.Equal(t, want.Role, got.Role)
	assert.Equal(t, want.PasswordHash, got.PasswordHash)
	assert.Equal(t, want.Disabled, got.Disabled)
	assertTime(t, want.CreatedAt, got.CreatedAt, "user CreatedAt")
	assertTime(t, want.UpdatedAt, got.UpdatedAt, "user UpdatedAt")
}

func assertSession(t *testing.T, want, got *auth.Session) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.ID, got.ID)
	assert.Equal(t, want.UserID, got.UserID)
	assertTime(t, want.CreatedAt, got.CreatedAt, "session CreatedAt")
	assertTime(t, want.LastUsedAt, got.LastUsedAt, "session LastUsedAt")
	assertTime(t, want.ExpiresAt, got.ExpiresAt, "session ExpiresAt")
	if want.RevokedAt == nil {
		assert.Nil(t, got.RevokedAt, "session RevokedAt")
	} else if assert.NotNil(t, got.RevokedAt, "session RevokedAt") {
		assertTime(t, *want.RevokedAt, *got.RevokedAt, "session RevokedAt")
	}
	assert.Equal(t, want.UserAgent, got.UserAgent)
	assert.Equal(t, want.IP, got.IP)
	assert.Equal(t, want.Generation, got.Generation)
}

func assertToken(t *testing.T, want, got *auth.RefreshToken) {
	t.Helper()
	require.NotNil(t, got)
	assert.Equal(t, want.Hash, got.Hash)
	assert.Equal(t, want.SessionID, got.SessionID)
	assertTime(t, want.CreatedAt, got.CreatedAt, "token CreatedAt")
	if want.RotatedAt == nil {
		assert.Nil(t, got.RotatedAt, "token RotatedAt")
	} else if assert.NotNil(t, got.RotatedAt, "token RotatedAt") {
		assertTime(t, *want.RotatedAt, *got.RotatedAt, "token RotatedAt")
	}
	assert.Equal(t, want.Generation, got.Generation)
}
