package jwt_test

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/jwt"
)

// fuzzCodecs are deterministic codecs (fixed keys, fixed clock) so the
// committed seed corpus in testdata/fuzz/FuzzParse stays valid.
func fuzzCodecs(tb testing.TB) []*jwt.Codec {
	tb.Helper()
	hs, err := jwt.New(jwt.Config{HS256Key: bytes.Repeat([]byte("fuzz-key"), 4), Now: fixedClock})
	require.NoError(tb, err)
	ed, err := jwt.New(jwt.Config{EdDSAPrivateKey: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)), Now: fixedClock})
	require.NoError(tb, err)
	return []*jwt.Codec{hs, ed}
}

// FuzzParse checks that Parse never panics, that every refusal wraps
// auth.ErrInvalidToken, and that a token is accepted only when it is
// byte for byte what the codec itself issues for the parsed claims.
func FuzzParse(f *testing.F) {
	codecs := fuzzCodecs(f)
	for _, c := range codecs {
		for _, role := range auth.Roles {
			tok, err := c.Issue(auth.AccessClaims{
				UserID: "u-" + string(role), SessionID: "s1", Role: role, TokenID: "j1",
				IssuedAt: testNow.Add(-time.Minute), ExpiresAt: testNow.Add(time.Hour),
			})
			require.NoError(f, err)
			_, err = c.Parse(tok)
			require.NoError(f, err, "seed must parse")
			f.Add(tok)
		}
	}
	f.Add("")
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, token string) {
		for _, c := range codecs {
			claims, err := c.Parse(token)
			if err != nil {
				require.ErrorIs(t, err, auth.ErrInvalidToken)
				continue
			}
			again, err := c.Issue(claims)
			require.NoError(t, err)
			require.Equal(t, again, token, "accepted a token the codec did not issue")
		}
	})
}
