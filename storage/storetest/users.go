package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

func testCreateAndGetUser(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)

	got, err := users.UserByID(ctx, u.ID)
	require.NoError(t, err)
	assertUser(t, u, got)

	got, err = users.UserByEmailKey(ctx, emailKey(t, u.Email))
	require.NoError(t, err)
	assertUser(t, u, got)

	admin := newUser()
	admin.Role, admin.Disabled = auth.RoleAdmin, true
	require.NoError(t, users.CreateUser(ctx, admin))
	got, err = users.UserByID(ctx, admin.ID)
	require.NoError(t, err)
	assertUser(t, admin, got)
}

func testEmailIsCaseInsensitive(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)

	got, err := users.UserByEmailKey(ctx, emailKey(t, strings.ToUpper(u.Email)))
	require.NoError(t, err, "the key ignores case")
	assert.Equal(t, u.ID, got.ID)

	dup := newUser()
	dup.Email = strings.ToUpper(u.Email)
	err = users.CreateUser(ctx, dup)
	assert.ErrorIs(t, err, storage.ErrConflict, "the same email in another case is a duplicate")

	// The other way round: a mixed-case email first, then lower case.
	id := newID()
	mixed := newUser()
	mixed.Email = "A-" + id + "@X.io"
	require.NoError(t, users.CreateUser(ctx, mixed))
	got, err = users.UserByEmailKey(ctx, emailKey(t, "a-"+id+"@x.io"))
	require.NoError(t, err)
	assert.Equal(t, mixed.ID, got.ID)
	lower := newUser()
	lower.Email = "a-" + id + "@x.io"
	assert.ErrorIs(t, users.CreateUser(ctx, lower), storage.ErrConflict)

	_, err = users.UserByID(ctx, dup.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "a refused user must not be saved")
}

// testLookAlikeEmailsConflict: addresses with one key (width, case
// folding, IDNA) or one look-alike skeleton are one account to the store.
func testLookAlikeEmailsConflict(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	id := newID()
	domain := "u" + strings.ReplaceAll(id, "-", "") + ".example"
	cases := []struct{ first, second, why string }{
		{"straße@" + domain, "strasse@" + domain, "full case folding: ß is ss"},
		{"ada@" + domain, "ａｄａ@" + domain, "NFKC: fullwidth is ASCII"},
		{"coco@" + domain, "сосо@" + domain, "skeleton: whole-Cyrillic сосо looks like coco"},
		{"ραρα@" + domain, "papa@" + domain, "skeleton: Greek ραρα looks like papa"},
		{"ivan@" + domain, "ıvan@" + domain, "skeleton: dotless ı looks like i"},
		{"b@bücher-" + domain, "b@" + punycode(t, "bücher-"+domain), "IDNA: a domain and its punycode"},
	}
	for _, c := range cases {
		first := newUser()
		first.Email = c.first
		require.NoError(t, users.CreateUser(ctx, first), c.why)
		second := newUser()
		second.Email = c.second
		assert.ErrorIs(t, users.CreateUser(ctx, second), storage.ErrConflict, c.why)
		_, err := users.UserByID(ctx, second.ID)
		assert.ErrorIs(t, err, storage.ErrNotFound, "%s: a refused user must not be saved", c.why)
		got, err := users.UserByEmailKey(ctx, emailKey(t, c.first))
		require.NoError(t, err, c.why)
		assert.Equal(t, first.ID, got.ID, c.why)
	}

	// A look-alike that is not one account is not found by the other's key:
	// the skeleton refuses registration, it never finds an account.
	_, err := users.UserByEmailKey(ctx, emailKey(t, "сосо@"+domain))
	assert.ErrorIs(t, err, storage.ErrNotFound, "lookups match the exact key only")
}

// testUserByEmailKeyPrefersEarlierKey: with several keys, the user of the
// earliest key that matches wins, whatever the rows' order.
func testUserByEmailKeyPrefersEarlierKey(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	a, b := createUser(t, users), createUser(t, users)
	ka, kb := emailKey(t, a.Email), emailKey(t, b.Email)
	missing := "nobody-" + newID() + "@example.test"

	got, err := users.UserByEmailKey(ctx, kb, ka)
	require.NoError(t, err)
	assert.Equal(t, b.ID, got.ID)
	got, err = users.UserByEmailKey(ctx, ka, kb)
	require.NoError(t, err)
	assert.Equal(t, a.ID, got.ID)
	got, err = users.UserByEmailKey(ctx, auth.LegacyEmailKey(missing), kb)
	require.NoError(t, err)
	assert.Equal(t, b.ID, got.ID)
	_, err = users.UserByEmailKey(ctx)
	assert.ErrorIs(t, err, storage.ErrNotFound, "no key finds no user")
}

// testUpdateUserKeepsEmail: an update never changes the address or its
// keys, so the user is still found by the same key.
func testUpdateUserKeepsEmail(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	got, err := users.UpdateUser(ctx, u.ID, func(x *auth.User) error {
		x.Email = "changed-" + x.Email
		x.Role = auth.RoleModerator
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, u.Email, got.Email, "UpdateUser does not change the email")
	found, err := users.UserByEmailKey(ctx, emailKey(t, u.Email))
	require.NoError(t, err)
	assert.Equal(t, u.ID, found.ID)
	assert.Equal(t, auth.RoleModerator, found.Role)
	_, err = users.UserByEmailKey(ctx, emailKey(t, "changed-"+u.Email))
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

func testDuplicateUserID(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	again := newUser()
	again.ID = u.ID
	assert.ErrorIs(t, users.CreateUser(ctx, again), storage.ErrConflict)
	_, err := users.UserByEmailKey(ctx, emailKey(t, again.Email))
	assert.ErrorIs(t, err, storage.ErrNotFound)
}

func testNotFound(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	createUser(t, users) // the tables are not empty
	missing := newID()

	_, err := users.UserByID(ctx, missing)
	assert.ErrorIs(t, err, storage.ErrNotFound, "UserByID")
	_, err = users.UserByEmailKey(ctx, emailKey(t, "nobody-"+missing+"@example.test"))
	assert.ErrorIs(t, err, storage.ErrNotFound, "UserByEmailKey")
	called := false
	_, err = users.UpdateUser(ctx, missing, func(*auth.User) error { called = true; return nil })
	assert.ErrorIs(t, err, storage.ErrNotFound, "UpdateUser")
	assert.False(t, called, "UpdateUser must not call fn for a missing user")

	_, _, err = sessions.SessionWithUser(ctx, missing)
	assert.ErrorIs(t, err, storage.ErrNotFound, "SessionWithUser")
	_, _, err = sessions.RefreshToken(ctx, tokenHash(missing))
	assert.ErrorIs(t, err, storage.ErrNotFound, "RefreshToken")
	assert.ErrorIs(t, sessions.RevokeSession(ctx, missing, now()), storage.ErrNotFound, "RevokeSession")
	next := auth.RefreshToken{Hash: tokenHash(missing + "/2"), SessionID: missing, CreatedAt: now(), Generation: 2}
	assert.ErrorIs(t, sessions.RotateRefresh(ctx, tokenHash(missing), next, now(), auth.ClientInfo{}), storage.ErrNotFound, "RotateRefresh")
	list, err := sessions.ListSessions(ctx, missing, now())
	require.NoError(t, err, "ListSessions of an unknown user is empty, not an error")
	assert.Empty(t, list)
	assert.NoError(t, sessions.RevokeUserSessions(ctx, missing, now()), "RevokeUserSessions of an unknown user")
}

func testListUsersPaging(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	const mine = 7
	want := make([]string, mine)
	for i := range want {
		want[i] = createUser(t, users).ID
	}

	const limit = 3
	var seen []string
	p := storage.ListParams{Limit: limit}
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10_000, "paging must end")
		page, err := users.ListUsers(ctx, p)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), limit)
		for _, u := range page.Items {
			seen = append(seen, u.ID)
		}
		if page.NextCursor == "" {
			break
		}
		require.Len(t, page.Items, limit, "only the last page may be short")
		require.NotEqual(t, p.Cursor, page.NextCursor, "the cursor must move")
		p.Cursor = page.NextCursor
	}
	assert.True(t, slices.IsSorted(seen), "users come ordered by ID")
	assert.Len(t, slices.Compact(slices.Clone(seen)), len(seen), "no user appears twice")
	for _, id := range want {
		assert.Contains(t, seen, id, "no user is skipped")
	}

	all, err := users.ListUsers(ctx, storage.ListParams{})
	require.NoError(t, err)
	assert.NotEmpty(t, all.Items, "a zero limit means the default page size")
	assert.LessOrEqual(t, len(all.Items), 1000)
}

func testListUsersInvalidCursor(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	createUser(t, users)
	for _, c := range []string{"!!not-base64!!", "Zm9vYmFy", "a"} {
		_, err := users.ListUsers(ctx, storage.ListParams{Limit: 2, Cursor: c})
		assert.ErrorIsf(t, err, storage.ErrInvalidCursor, "cursor %q", c)
	}
}

func testUpdateUserApplies(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	later := u.UpdatedAt.Add(time.Minute)

	got, err := users.UpdateUser(ctx, u.ID, func(x *auth.User) error {
		assertUser(t, u, x) // fn sees the stored user
		x.Name = "Renamed"
		x.Role = auth.RoleModerator
		x.Disabled = true
		x.PasswordHash = []byte("new-hash")
		x.UpdatedAt = later
		return nil
	})
	require.NoError(t, err)
	want := *u
	want.Name, want.Role, want.Disabled, want.PasswordHash, want.UpdatedAt = "Renamed", auth.RoleModerator, true, []byte("new-hash"), later
	assertUser(t, &want, got)

	reloaded, err := users.UserByID(ctx, u.ID)
	require.NoError(t, err)
	assertUser(t, &want, reloaded)
}

func testUpdateUserErrorRollsBack(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	errStop := errors.New("storetest: stop")

	got, err := users.UpdateUser(ctx, u.ID, func(x *auth.User) error {
		x.Name = "Should not stick"
		x.Disabled = true
		return errStop
	})
	require.ErrorIs(t, err, errStop, "fn's error is returned")
	assert.Nil(t, got)

	reloaded, err := users.UserByID(ctx, u.ID)
	require.NoError(t, err)
	assertUser(t, u, reloaded)
}

func testUpdateUserConcurrent(t *testing.T, users auth.UserStore, _ auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	u, err := users.UpdateUser(ctx, u.ID, func(x *auth.User) error { x.Name = ""; return nil })
	require.NoError(t, err)

	const writers = 10
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			_, errs[i] = users.UpdateUser(ctx, u.ID, func(x *auth.User) error {
				x.Name += fmt.Sprintf("[%d]", i)
				x.Disabled = !x.Disabled
				return nil
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "writer %d", i)
	}
	got, err := users.UserByID(ctx, u.ID)
	require.NoError(t, err)
	for i := range writers {
		assert.Equal(t, 1, strings.Count(got.Name, fmt.Sprintf("[%d]", i)), "writer %d's update must be kept exactly once: %q", i, got.Name)
	}
	assert.False(t, got.Disabled, "an even number of toggles leaves the flag as it was")
}
