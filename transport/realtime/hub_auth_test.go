package realtime_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/realtime"
)

func requireUpgradeProblem(t *testing.T, res *http.Response, err error, status int) {
	t.Helper()
	require.Error(t, err)
	require.NotNil(t, res, "an HTTP answer, not a socket: %v", err)
	assert.Equal(t, status, res.StatusCode)
	assert.Equal(t, httpapi.ProblemContentType, res.Header.Get("Content-Type"))
	if res.Body != nil {
		body, _ := io.ReadAll(res.Body)
		var p map[string]any
		if assert.NoError(t, json.Unmarshal(body, &p), "body %s", body) {
			assert.EqualValues(t, status, p["status"])
		}
	}
}

func TestWSAuthPaths(t *testing.T) {
	t.Parallel()
	clock := authtest.NewClock(time.Now().UTC())
	in := newInstance(t, dbtest.SQLite(t), withClock(clock))
	alice := in.newUser(auth.RoleUser)

	t.Run("no token and no auth message closes 4401 after the timeout", func(t *testing.T) {
		c := in.dial("")
		code, took := expectClose(t, c, 5*time.Second)
		assert.Equal(t, realtime.CloseUnauthorized, code)
		assert.GreaterOrEqual(t, took, 300*time.Millisecond, "waits for the auth timeout (500 ms here)")
	})
	t.Run("bad header token is 401 before upgrading", func(t *testing.T) {
		_, res, err := in.tryDial("not-a-jwt", nil)
		requireUpgradeProblem(t, res, err, http.StatusUnauthorized)
	})
	t.Run("first-message auth", func(t *testing.T) {
		c := in.dial("")
		send(t, c, map[string]string{"type": "auth", "token": alice.token})
		m := read(t, c, 5*time.Second)
		assert.Equal(t, "authenticated", m.Type)
		assert.Equal(t, alice.p.User.ID, m.UserID)
		subscribe(t, c, nil, "user")
		m = read(t, c, 5*time.Second)
		assert.Equal(t, msg{Type: "subscribed", Topic: "user"}, m)
	})
	t.Run("first-message auth with a bad token closes 4401", func(t *testing.T) {
		c := in.dial("")
		send(t, c, map[string]string{"type": "auth", "token": alice.token + "x"})
		code, _ := expectClose(t, c, 5*time.Second)
		assert.Equal(t, realtime.CloseUnauthorized, code)
	})
	t.Run("a first message that is not auth closes 4401", func(t *testing.T) {
		c := in.dial("")
		subscribe(t, c, nil, "user")
		code, _ := expectClose(t, c, 5*time.Second)
		assert.Equal(t, realtime.CloseUnauthorized, code)
	})
	t.Run("revoked while connected closes 4401 within a few seconds", func(t *testing.T) {
		bob := in.newUser(auth.RoleUser)
		c := in.dial(bob.token)
		subscribe(t, c, nil, "user")
		readType(t, c, "subscribed", 5*time.Second)
		require.NoError(t, in.auth.Logout(context.Background(), bob.p, ""))
		code, took := expectClose(t, c, 5*time.Second)
		assert.Equal(t, realtime.CloseUnauthorized, code)
		assert.Less(t, took, 3*time.Second)
		_, res, err := in.tryDial(bob.token, nil)
		requireUpgradeProblem(t, res, err, http.StatusUnauthorized)
	})
}

// TestWSExpiredToken moves the clock past the access token's lifetime:
// the open socket closes 4401 and a new upgrade is 401.
func TestWSExpiredToken(t *testing.T) {
	t.Parallel()
	clock := authtest.NewClock(time.Now().UTC())
	in := newInstance(t, dbtest.SQLite(t), withClock(clock))
	u := in.newUser(auth.RoleUser)
	c := in.dial(u.token)
	subscribe(t, c, nil, "user")
	readType(t, c, "subscribed", 5*time.Second)
	clock.Advance(in.auth.AccessTTL() + time.Minute)
	code, took := expectClose(t, c, 5*time.Second)
	assert.Equal(t, realtime.CloseUnauthorized, code)
	assert.Less(t, took, 3*time.Second)
	_, res, err := in.tryDial(u.token, nil)
	requireUpgradeProblem(t, res, err, http.StatusUnauthorized)
}

// TestWSReauthKeepsSocket: a fresh token of the same user sent as an auth
// message replaces the old one, so the socket outlives it.
func TestWSReauthKeepsSocket(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t))
	u := in.newUser(auth.RoleUser)
	c := in.dial(u.token)
	other := in.newUser(auth.RoleUser)
	send(t, c, map[string]string{"type": "auth", "token": other.token})
	m := readType(t, c, "error", 5*time.Second)
	assert.Equal(t, realtime.CodeBadRequest, m.Code, "another user's token is refused")

	res, err := in.auth.Refresh(context.Background(), u.tokens.RefreshToken, auth.ClientInfo{})
	require.NoError(t, err)
	send(t, c, map[string]string{"type": "auth", "token": res.Tokens.AccessToken})
	m = readType(t, c, "authenticated", 5*time.Second)
	assert.Equal(t, u.p.User.ID, m.UserID)
	send(t, c, map[string]string{"type": "ping"})
	assert.Equal(t, "pong", readType(t, c, "pong", 5*time.Second).Type)
}

func TestWSOriginCheck(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t), withCORS("https://app.example.test"))
	u := in.newUser(auth.RoleUser)
	_, res, err := in.tryDial(u.token, http.Header{"Origin": {"https://evil.example.test"}})
	requireUpgradeProblem(t, res, err, http.StatusForbidden)
	c, _, err := in.tryDial(u.token, http.Header{"Origin": {"https://app.example.test"}})
	require.NoError(t, err, "an allowlisted origin may connect")
	send(t, c, map[string]string{"type": "ping"})
	assert.Equal(t, "pong", read(t, c, 5*time.Second).Type)
}

func TestWSLimits(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t), withHub(func(c *realtime.HubConfig) {
		c.MaxSocketsPerUser = 2
		c.MaxTopicsPerSocket = 2
		c.MaxMessageBytes = 1024
	}))
	u := in.newUser(auth.RoleUser)
	c1, c2 := in.dial(u.token), in.dial(u.token)
	_, res, err := in.tryDial(u.token, nil)
	requireUpgradeProblem(t, res, err, http.StatusTooManyRequests)

	first := in.dial("")
	send(t, first, map[string]string{"type": "auth", "token": u.token})
	code, _ := expectClose(t, first, 5*time.Second)
	assert.Equal(t, realtime.CloseTooManySockets, code, "first-message auth over the limit")

	a, b, c := in.newCampaign(u), in.newCampaign(u), in.newCampaign(u)
	subscribe(t, c1, nil, "campaign:"+a, "campaign:"+b, "campaign:"+c)
	assert.Equal(t, "subscribed", read(t, c1, 5*time.Second).Type)
	assert.Equal(t, "subscribed", read(t, c1, 5*time.Second).Type)
	m := read(t, c1, 5*time.Second)
	assert.Equal(t, realtime.CodeTooManyTopics, m.Code)
	assert.Equal(t, "campaign:"+c, m.Topic)

	big := make([]byte, 1100)
	for i := range big {
		big[i] = 'x'
	}
	send(t, c2, map[string]string{"type": "ping", "pad": string(big)})
	code, _ = expectClose(t, c2, 5*time.Second)
	assert.EqualValues(t, 1009, code, "message too big")

	// A closed socket frees its slot.
	require.Eventually(t, func() bool {
		c, _, err := in.tryDial(u.token, nil)
		if err != nil {
			return false
		}
		_ = c.CloseNow()
		return true
	}, 5*time.Second, 50*time.Millisecond)
}

func TestWSBadMessages(t *testing.T) {
	t.Parallel()
	in := newInstance(t, dbtest.SQLite(t))
	u := in.newUser(auth.RoleUser)
	c := in.dial(u.token)
	for _, raw := range []any{
		map[string]any{"type": "subscribe"},
		map[string]any{"type": "subscribe", "topics": []string{"nope:1"}},
		map[string]any{"type": "subscribe", "topics": []string{"user"}, "since": -1},
		map[string]any{"type": "dance"},
	} {
		send(t, c, raw)
		m := read(t, c, 5*time.Second)
		assert.Equal(t, "error", m.Type, "%v", raw)
		assert.Equal(t, realtime.CodeBadRequest, m.Code, "%v", raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Write(ctx, 1, []byte("{not json")))
	assert.Equal(t, realtime.CodeBadRequest, read(t, c, 5*time.Second).Code)
}
