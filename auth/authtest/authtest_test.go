package authtest_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/auth/jwt"
)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	c := authtest.NewClock(start)
	assert.True(t, c.Now().Equal(start))
	assert.True(t, c.Now().Equal(start), "does not move by itself")
	c.Advance(90 * time.Second)
	assert.True(t, c.Now().Equal(start.Add(90*time.Second)))
	c.Set(start)
	assert.True(t, c.Now().Equal(start))

	z := authtest.NewClock(time.Time{})
	assert.False(t, z.Now().IsZero())
}

func TestClockConcurrent(t *testing.T) {
	t.Parallel()
	c := authtest.NewClock(time.Time{})
	start := c.Now()
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			c.Advance(time.Second)
			_ = c.Now()
		})
	}
	wg.Wait()
	assert.Equal(t, 50*time.Second, c.Now().Sub(start))
}

func TestNewCodec(t *testing.T) {
	t.Parallel()
	a, b := authtest.NewCodec(t), authtest.NewCodec(t)
	now := time.Now()
	tok, err := a.Issue(auth.AccessClaims{UserID: "u", SessionID: "s", Role: auth.RoleUser, IssuedAt: now, ExpiresAt: now.Add(time.Minute)})
	require.NoError(t, err)
	got, err := a.Parse(tok)
	require.NoError(t, err)
	assert.Equal(t, "u", got.UserID)
	_, err = b.Parse(tok)
	assert.ErrorIs(t, err, auth.ErrInvalidToken, "each codec has its own key")
}

func TestNewHasher(t *testing.T) {
	t.Parallel()
	h := authtest.NewHasher(t)
	ctx := context.Background()
	hash, err := h.Hash(ctx, "password1")
	require.NoError(t, err)
	assert.NoError(t, h.Compare(ctx, hash, "password1"))
	assert.ErrorIs(t, h.Compare(ctx, hash, "password2"), auth.ErrInvalidCredentials)
}

func TestClockDrivesCodecExpiry(t *testing.T) {
	t.Parallel()
	clock := authtest.NewClock(time.Time{})
	key, err := jwt.GenerateKey()
	require.NoError(t, err)
	codec, err := jwt.New(jwt.Config{HS256Key: key, Now: clock.Now, Leeway: time.Second})
	require.NoError(t, err)
	tok, err := codec.Issue(auth.AccessClaims{UserID: "u", SessionID: "s", Role: auth.RoleUser, ExpiresAt: clock.Now().Add(time.Minute)})
	require.NoError(t, err)
	_, err = codec.Parse(tok)
	require.NoError(t, err)
	clock.Advance(2 * time.Minute)
	_, err = codec.Parse(tok)
	assert.ErrorIs(t, err, auth.ErrInvalidToken)
}
