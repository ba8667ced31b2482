package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/storage"
)

func testCreateSessionAndLookups(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	s, tok := createSession(t, sessions, u.ID, now())

	gotS, gotU, err := sessions.SessionWithUser(ctx, s.ID)
	require.NoError(t, err)
	assertSession(t, s, gotS)
	assertUser(t, u, gotU)

	gotT, gotS, err := sessions.RefreshToken(ctx, tok.Hash)
	require.NoError(t, err)
	assertToken(t, &tok, gotT)
	assertSession(t, s, gotS)

	// Every session finds its own user.
	other := createUser(t, users)
	s2, _ := createSession(t, sessions, other.ID, now())
	_, gotU, err = sessions.SessionWithUser(ctx, s2.ID)
	require.NoError(t, err)
	assertUser(t, other, gotU)
}

func testDuplicateSession(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	s, tok := createSession(t, sessions, u.ID, now())

	again, _ := newSession(u.ID, now())
	again.ID = s.ID
	fresh := auth.RefreshToken{Hash: tokenHash(newID()), SessionID: s.ID, CreatedAt: now(), Generation: 1}
	assert.ErrorIs(t, sessions.CreateSession(ctx, again, fresh), storage.ErrConflict, "duplicate session ID")
	_, _, err := sessions.RefreshToken(ctx, fresh.Hash)
	assert.ErrorIs(t, err, storage.ErrNotFound, "a refused session stores no token")

	other, _ := newSession(u.ID, now())
	reused := tok
	reused.SessionID = other.ID
	assert.ErrorIs(t, sessions.CreateSession(ctx, other, reused), storage.ErrConflict, "duplicate token hash")
	_, _, err = sessions.SessionWithUser(ctx, other.ID)
	assert.ErrorIs(t, err, storage.ErrNotFound, "the session and its token are saved together or not at all")
}

func testRotateRefresh(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	created := now().Add(-time.Hour)
	s, tok := createSession(t, sessions, u.ID, created)

	at := now()
	next := auth.RefreshToken{Hash: tokenHash(s.ID + "/2"), SessionID: s.ID, CreatedAt: at, Generation: 2}
	client := auth.ClientInfo{UserAgent: "storetest/2.0", IP: "198.51.100.7"}
	require.NoError(t, sessions.RotateRefresh(ctx, tok.Hash, next, at, client))

	oldT, gotS, err := sessions.RefreshToken(ctx, tok.Hash)
	require.NoError(t, err, "a rotated token stays on record, to detect reuse")
	rotated := tok
	rotated.RotatedAt = &at
	assertToken(t, &rotated, oldT)

	want := *s
	want.Generation, want.LastUsedAt, want.UserAgent, want.IP = 2, at, client.UserAgent, client.IP
	assertSession(t, &want, gotS)

	newT, gotS, err := sessions.RefreshToken(ctx, next.Hash)
	require.NoError(t, err)
	assertToken(t, &next, newT)
	assertSession(t, &want, gotS)

	// And once more from the new token.
	at3 := at.Add(time.Second)
	third := auth.RefreshToken{Hash: tokenHash(s.ID + "/3"), SessionID: s.ID, CreatedAt: at3, Generation: 3}
	require.NoError(t, sessions.RotateRefresh(ctx, next.Hash, third, at3, client))
	gotS, _, err = sessions.SessionWithUser(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, 3, gotS.Generation)
	assertTime(t, at3, gotS.LastUsedAt, "LastUsedAt")
}

func testRotateRefreshAlreadyRotated(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	s, tok := createSession(t, sessions, u.ID, now())
	at := now()
	next := auth.RefreshToken{Hash: tokenHash(s.ID + "/2"), SessionID: s.ID, CreatedAt: at, Generation: 2}
	require.NoError(t, sessions.RotateRefresh(ctx, tok.Hash, next, at, auth.ClientInfo{UserAgent: "first"}))

	late := at.Add(time.Minute)
	again := auth.RefreshToken{Hash: tokenHash(s.ID + "/2-again"), SessionID: s.ID, CreatedAt: late, Generation: 2}
	err := sessions.RotateRefresh(ctx, tok.Hash, again, late, auth.ClientInfo{UserAgent: "second"})
	require.ErrorIs(t, err, storage.ErrConflict)

	_, _, err = sessions.RefreshToken(ctx, again.Hash)
	assert.ErrorIs(t, err, storage.ErrNotFound, "a lost rotation stores no token")
	oldT, gotS, err := sessions.RefreshToken(ctx, tok.Hash)
	require.NoError(t, err)
	require.NotNil(t, oldT.RotatedAt)
	assertTime(t, at, *oldT.RotatedAt, "the first rotation's time stays")
	assert.Equal(t, 2, gotS.Generation)
	assert.Equal(t, "first", gotS.UserAgent, "a lost rotation leaves the session alone")
	assertTime(t, at, gotS.LastUsedAt, "LastUsedAt")
}

func testRotateRefreshRace(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	s, tok := createSession(t, sessions, u.ID, now())

	const racers = 8
	nexts := make([]auth.RefreshToken, racers)
	errs := make([]error, racers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range racers {
		at := now()
		nexts[i] = auth.RefreshToken{Hash: tokenHash(fmt.Sprintf("%s/2/%d", s.ID, i)), SessionID: s.ID, CreatedAt: at, Generation: 2}
		wg.Go(func() {
			<-start
			errs[i] = sessions.RotateRefresh(ctx, tok.Hash, nexts[i], at, auth.ClientInfo{UserAgent: fmt.Sprint(i)})
		})
	}
	close(start)
	wg.Wait()

	winner := -1
	for i, err := range errs {
		if err == nil {
			require.Equal(t, -1, winner, "two rotations of one token both won: %d and %d", winner, i)
			winner = i
			continue
		}
		assert.ErrorIs(t, err, storage.ErrConflict, "racer %d", i)
	}
	require.NotEqual(t, -1, winner, "one rotation must win")

	gotS, _, err := sessions.SessionWithUser(ctx, s.ID)
	require.NoError(t, err)
	assert.Equal(t, 2, gotS.Generation, "the generation advanced exactly once")
	assert.Equal(t, fmt.Sprint(winner), gotS.UserAgent, "the session shows the winner's client")
	for i, n := range nexts {
		_, _, err := sessions.RefreshToken(ctx, n.Hash)
		if i == winner {
			assert.NoError(t, err, "the winner's token is stored")
		} else {
			assert.ErrorIs(t, err, storage.ErrNotFound, "loser %d's token must not be stored", i)
		}
	}
}

func testRevokeSessionIdempotent(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	s, _ := createSession(t, sessions, u.ID, now())
	keep, _ := createSession(t, sessions, u.ID, now())

	first := now()
	require.NoError(t, sessions.RevokeSession(ctx, s.ID, first))
	require.NoError(t, sessions.RevokeSession(ctx, s.ID, first.Add(time.Minute)), "revoking twice is not an error")

	gotS, _, err := sessions.SessionWithUser(ctx, s.ID)
	require.NoError(t, err, "a revoked session is still found")
	require.NotNil(t, gotS.RevokedAt)
	assertTime(t, first, *gotS.RevokedAt, "RevokedAt keeps the first revocation")
	assert.False(t, gotS.Active(now()))

	gotK, _, err := sessions.SessionWithUser(ctx, keep.ID)
	require.NoError(t, err)
	assert.Nil(t, gotK.RevokedAt, "other sessions stay live")
}

func testRevokeUserSessions(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	other := createUser(t, users)
	var mine []string
	for range 3 {
		s, _ := createSession(t, sessions, u.ID, now())
		mine = append(mine, s.ID)
	}
	theirs, _ := createSession(t, sessions, other.ID, now())
	earlier := now()
	require.NoError(t, sessions.RevokeSession(ctx, mine[0], earlier))

	at := earlier.Add(time.Second)
	require.NoError(t, sessions.RevokeUserSessions(ctx, u.ID, at))

	list, err := sessions.ListSessions(ctx, u.ID, now())
	require.NoError(t, err)
	assert.Empty(t, list)
	for i, id := range mine {
		s, _, err := sessions.SessionWithUser(ctx, id)
		require.NoError(t, err)
		require.NotNil(t, s.RevokedAt, "session %d", i)
		want := at
		if i == 0 {
			want = earlier
		}
		assertTime(t, want, *s.RevokedAt, "RevokedAt")
	}
	s, _, err := sessions.SessionWithUser(ctx, theirs.ID)
	require.NoError(t, err)
	assert.Nil(t, s.RevokedAt, "another user's session stays live")
}

func testListSessionsActiveNewestFirst(t *testing.T, users auth.UserStore, sessions auth.SessionStore) {
	ctx := t.Context()
	u := createUser(t, users)
	other := createUser(t, users)
	base := now().Add(-time.Hour)

	oldest, _ := createSession(t, sessions, u.ID, base)
	middle, _ := createSession(t, sessions, u.ID, base.Add(time.Minute))
	newest, _ := createSession(t, sessions, u.ID, base.Add(2*time.Minute))
	revoked, _ := createSession(t, sessions, u.ID, base.Add(3*time.Minute))
	require.NoError(t, sessions.RevokeSession(ctx, revoked.ID, now()))
	expired, expiredTok := newSession(u.ID, base.Add(4*time.Minute))
	expired.ExpiresAt = now().Add(-time.Second)
	require.NoError(t, sessions.CreateSession(ctx, expired, expiredTok))
	createSession(t, sessions, other.ID, base.Add(5*time.Minute))

	list, err := sessions.ListSessions(ctx, u.ID, now())
	require.NoError(t, err)
	require.Len(t, list, 3, "only active sessions of this user")
	assertSession(t, newest, &list[0])
	assertSession(t, middle, &list[1])
	assertSession(t, oldest, &list[2])

	// At a time past every expiry nothing is active.
	list, err = sessions.ListSessions(ctx, u.ID, base.Add(31*24*time.Hour))
	require.NoError(t, err)
	assert.Empty(t, list)
}
