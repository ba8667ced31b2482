package jwt_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	gojwt "github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/jwt"
)

var testNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func fixedClock() time.Time { return testNow }

func hsKey(t *testing.T) []byte {
	t.Helper()
	k, err := jwt.GenerateKey()
	require.NoError(t, err)
	require.Len(t, k, jwt.MinHS256KeySize)
	return k
}

func edKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return priv
}

func sampleClaims() auth.AccessClaims {
	return auth.AccessClaims{
		UserID: "user-1", SessionID: "sess-1", Role: auth.RoleModerator, TokenID: "tok-1",
		IssuedAt: testNow, ExpiresAt: testNow.Add(15 * time.Minute),
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	configs := map[string]jwt.Config{
		"HS256": {HS256Key: hsKey(t), Now: fixedClock},
		"EdDSA": {EdDSAPrivateKey: edKey(t), Now: fixedClock},
	}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := jwt.New(cfg)
			require.NoError(t, err)
			in := sampleClaims()
			in.IssuedAt = in.IssuedAt.Add(700 * time.Millisecond) // kept to the second
			tok, err := c.Issue(in)
			require.NoError(t, err)

			header, payload := decodeParts(t, tok)
			assert.Equal(t, jwt.TokenType, header["typ"])
			assert.Equal(t, name, header["alg"])
			for _, k := range []string{"sub", "sid", "role", "iss", "aud", "iat", "nbf", "exp", "jti"} {
				assert.Contains(t, payload, k)
			}
			assert.Equal(t, jwt.DefaultIssuer, payload["iss"])

			out, err := c.Parse(tok)
			require.NoError(t, err)
			assert.Equal(t, in.UserID, out.UserID)
			assert.Equal(t, in.SessionID, out.SessionID)
			assert.Equal(t, in.Role, out.Role)
			assert.Equal(t, in.TokenID, out.TokenID)
			assert.True(t, out.IssuedAt.Equal(in.IssuedAt.Truncate(time.Second)), "iat %s", out.IssuedAt)
			assert.True(t, out.ExpiresAt.Equal(in.ExpiresAt), "exp %s", out.ExpiresAt)
		})
	}
}

func TestIssueDefaultsAndRefusals(t *testing.T) {
	t.Parallel()
	c, err := jwt.New(jwt.Config{HS256Key: hsKey(t), Now: fixedClock})
	require.NoError(t, err)

	in := sampleClaims()
	in.IssuedAt, in.TokenID = time.Time{}, ""
	tok, err := c.Issue(in)
	require.NoError(t, err)
	out, err := c.Parse(tok)
	require.NoError(t, err)
	assert.True(t, out.IssuedAt.Equal(testNow), "zero IssuedAt means now, got %s", out.IssuedAt)
	assert.NotEmpty(t, out.TokenID)
	tok2, err := c.Issue(in)
	require.NoError(t, err)
	out2, err := c.Parse(tok2)
	require.NoError(t, err)
	assert.NotEqual(t, out.TokenID, out2.TokenID, "generated jti must be unique")

	bad := map[string]func(*auth.AccessClaims){
		"no user":        func(c *auth.AccessClaims) { c.UserID = "" },
		"no session":     func(c *auth.AccessClaims) { c.SessionID = "" },
		"unknown role":   func(c *auth.AccessClaims) { c.Role = "root" },
		"expired at iat": func(c *auth.AccessClaims) { c.ExpiresAt = c.IssuedAt },
		"no expiry":      func(c *auth.AccessClaims) { c.ExpiresAt = time.Time{} },
	}
	for name, mutate := range bad {
		in := sampleClaims()
		mutate(&in)
		_, err := c.Issue(in)
		assert.Error(t, err, name)
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	good := hsKey(t)
	cases := map[string]struct {
		cfg jwt.Config
		ok  bool
	}{
		"hs256":           {jwt.Config{HS256Key: good}, true},
		"eddsa only":      {jwt.Config{EdDSAPrivateKey: edKey(t)}, true},
		"no key":          {jwt.Config{}, false},
		"short key":       {jwt.Config{HS256Key: good[:31]}, false},
		"bad eddsa":       {jwt.Config{EdDSAPrivateKey: ed25519.PrivateKey(good)}, false},
		"negative leeway": {jwt.Config{HS256Key: good, Leeway: -time.Second}, false},
	}
	for name, tc := range cases {
		err := tc.cfg.Validate()
		_, newErr := jwt.New(tc.cfg)
		if tc.ok {
			assert.NoError(t, err, name)
			assert.NoError(t, newErr, name)
		} else {
			assert.Error(t, err, name)
			assert.Error(t, newErr, name)
		}
	}
}

func TestCustomIssuerAudience(t *testing.T) {
	t.Parallel()
	key := hsKey(t)
	a, err := jwt.New(jwt.Config{HS256Key: key, Issuer: "blog", Audience: "blog-api", Now: fixedClock})
	require.NoError(t, err)
	b, err := jwt.New(jwt.Config{HS256Key: key, Now: fixedClock})
	require.NoError(t, err)
	tok, err := a.Issue(sampleClaims())
	require.NoError(t, err)
	_, err = a.Parse(tok)
	require.NoError(t, err)
	_, err = b.Parse(tok)
	assert.ErrorIs(t, err, auth.ErrInvalidToken, "same key, other issuer and audience")
}

// baseClaims is a valid claim set at testNow, as a map to tamper with.
func baseClaims() gojwt.MapClaims {
	return gojwt.MapClaims{
		"iss": jwt.DefaultIssuer, "aud": []string{jwt.DefaultAudience},
		"sub": "user-1", "sid": "sess-1", "role": "user", "jti": "tok-1",
		"iat": testNow.Unix(), "nbf": testNow.Unix(), "exp": testNow.Add(time.Minute).Unix(),
	}
}

// sign builds a token by hand: header extras override typ, claims are
// taken as given.
func sign(t *testing.T, method gojwt.SigningMethod, key any, header map[string]any, claims gojwt.MapClaims) string {
	t.Helper()
	tok := gojwt.NewWithClaims(method, claims)
	tok.Header["typ"] = jwt.TokenType
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

func with(edit func(gojwt.MapClaims)) gojwt.MapClaims {
	c := baseClaims()
	edit(c)
	return c
}

func b64(t *testing.T, v any) string {
	t.Helper()
	raw, err := json.Marshal(v)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(raw)
}

func decodeParts(t *testing.T, tok string) (header, payload map[string]any) {
	t.Helper()
	parts := strings.Split(tok, ".")
	require.Len(t, parts, 3)
	for i, dst := range []*map[string]any{&header, &payload} {
		raw, err := base64.RawURLEncoding.DecodeString(parts[i])
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(raw, dst))
	}
	return header, payload
}

func TestParseRejectsForgeries(t *testing.T) {
	t.Parallel()
	key := hsKey(t)
	otherKey := hsKey(t)
	ed := edKey(t)
	hs, err := jwt.New(jwt.Config{HS256Key: key, Now: fixedClock})
	require.NoError(t, err)
	eddsa, err := jwt.New(jwt.Config{EdDSAPrivateKey: ed, Now: fixedClock})
	require.NoError(t, err)

	genuine, err := hs.Issue(sampleClaims())
	require.NoError(t, err)
	parts := strings.Split(genuine, ".")
	_, payload := decodeParts(t, genuine)
	payload["role"] = "admin"
	tamperedPayload := parts[0] + "." + b64(t, payload) + "." + parts[2]

	noneHeader := b64(t, map[string]any{"alg": "none", "typ": jwt.TokenType})
	algNone := noneHeader + "." + b64(t, baseClaims()) + "."
	unsafeNone := sign(t, gojwt.SigningMethodNone, gojwt.UnsafeAllowNoneSignatureType, nil, baseClaims())

	refreshLike := base64.RawURLEncoding.EncodeToString(append(hsKey(t), hsKey(t)...))
	long := sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) {
		c["pad"] = strings.Repeat("x", jwt.MaxTokenLength)
	}))

	type tc struct {
		codec *jwt.Codec
		token string
	}
	cases := map[string]tc{
		"alg none":                    {hs, algNone},
		"alg none via golang-jwt":     {hs, unsafeNone},
		"HS256 with another key":      {hs, sign(t, gojwt.SigningMethodHS256, otherKey, nil, baseClaims())},
		"HS384 with the right key":    {hs, sign(t, gojwt.SigningMethodHS384, key, nil, baseClaims())},
		"changed payload":             {hs, tamperedPayload},
		"signature stripped":          {hs, parts[0] + "." + parts[1] + "."},
		"wrong iss":                   {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { c["iss"] = "evil" }))},
		"no iss":                      {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { delete(c, "iss") }))},
		"wrong aud":                   {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { c["aud"] = "other-api" }))},
		"no aud":                      {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { delete(c, "aud") }))},
		"no exp":                      {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { delete(c, "exp") }))},
		"expired beyond leeway":       {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { c["exp"] = testNow.Add(-31 * time.Second).Unix() }))},
		"issued in the future":        {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { c["iat"] = testNow.Add(time.Minute).Unix() }))},
		"not yet valid":               {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { c["nbf"] = testNow.Add(time.Minute).Unix() }))},
		"no iat":                      {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { delete(c, "iat") }))},
		"no sub":                      {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { delete(c, "sub") }))},
		"no sid":                      {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { delete(c, "sid") }))},
		"no jti":                      {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { delete(c, "jti") }))},
		"unknown role":                {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { c["role"] = "root" }))},
		"typ missing":                 {hs, sign(t, gojwt.SigningMethodHS256, key, map[string]any{"typ": nil}, baseClaims())},
		"typ JWT":                     {hs, sign(t, gojwt.SigningMethodHS256, key, map[string]any{"typ": "JWT"}, baseClaims())},
		"typ refresh":                 {hs, sign(t, gojwt.SigningMethodHS256, key, map[string]any{"typ": "rt+jwt"}, baseClaims())},
		"typ not a string":            {hs, sign(t, gojwt.SigningMethodHS256, key, map[string]any{"typ": 1}, baseClaims())},
		"EdDSA token to HS256 codec":  {hs, sign(t, gojwt.SigningMethodEdDSA, ed, nil, baseClaims())},
		"HS256 token to EdDSA codec":  {eddsa, sign(t, gojwt.SigningMethodHS256, key, nil, baseClaims())},
		"HS256 keyed with public key": {eddsa, sign(t, gojwt.SigningMethodHS256, []byte(ed.Public().(ed25519.PublicKey)), nil, baseClaims())},
		"EdDSA with another key":      {eddsa, sign(t, gojwt.SigningMethodEdDSA, edKey(t), nil, baseClaims())},
		"over length":                 {hs, long},
		"empty":                       {hs, ""},
		"garbage":                     {hs, "not a token"},
		"three dots":                  {hs, "a.b.c"},
		"only dots":                   {hs, ".."},
		"bearer prefix":               {hs, "Bearer " + genuine},
		"trailing segment":            {hs, genuine + ".x"},
		"refresh-like random":         {hs, refreshLike},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := c.codec.Parse(c.token)
			require.ErrorIs(t, err, auth.ErrInvalidToken)
			t.Logf("refused: %v", err)
			assert.Equal(t, auth.AccessClaims{}, got)
		})
	}

	// Positive controls: the hand-made tokens above differ from these only
	// by the named defect.
	for name, c := range map[string]tc{
		"genuine":               {hs, genuine},
		"hand-made HS256":       {hs, sign(t, gojwt.SigningMethodHS256, key, nil, baseClaims())},
		"hand-made EdDSA":       {eddsa, sign(t, gojwt.SigningMethodEdDSA, ed, nil, baseClaims())},
		"expired within leeway": {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { c["exp"] = testNow.Add(-29 * time.Second).Unix() }))},
		"aud as string":         {hs, sign(t, gojwt.SigningMethodHS256, key, nil, with(func(c gojwt.MapClaims) { c["aud"] = jwt.DefaultAudience }))},
	} {
		_, err := c.codec.Parse(c.token)
		assert.NoError(t, err, name)
	}
}

func TestParseErrorKeepsReason(t *testing.T) {
	t.Parallel()
	key := hsKey(t)
	c, err := jwt.New(jwt.Config{HS256Key: key, Now: fixedClock})
	require.NoError(t, err)
	_, err = c.Parse(sign(t, gojwt.SigningMethodHS256, key, map[string]any{"typ": "JWT"}, baseClaims()))
	require.ErrorIs(t, err, auth.ErrInvalidToken)
	assert.Contains(t, err.Error(), "typ")
}

func TestExpiryFollowsClock(t *testing.T) {
	t.Parallel()
	now := testNow
	c, err := jwt.New(jwt.Config{HS256Key: hsKey(t), Leeway: time.Second, Now: func() time.Time { return now }})
	require.NoError(t, err)
	in := sampleClaims()
	in.ExpiresAt = testNow.Add(time.Minute)
	tok, err := c.Issue(in)
	require.NoError(t, err)
	_, err = c.Parse(tok)
	require.NoError(t, err)
	now = testNow.Add(time.Minute + 2*time.Second)
	_, err = c.Parse(tok)
	assert.ErrorIs(t, err, auth.ErrInvalidToken)
}

// TestRepeatedParseKeepsEveryCheck: a token parsed before is remembered,
// but a tampered copy is still refused and the time rules still apply on
// every parse.
func TestRepeatedParseKeepsEveryCheck(t *testing.T) {
	t.Parallel()
	now := testNow
	c, err := jwt.New(jwt.Config{HS256Key: hsKey(t), Leeway: time.Second, Now: func() time.Time { return now }})
	require.NoError(t, err)
	in := sampleClaims()
	in.IssuedAt = testNow
	in.ExpiresAt = testNow.Add(time.Minute)
	tok, err := c.Issue(in)
	require.NoError(t, err)
	first, err := c.Parse(tok)
	require.NoError(t, err)
	again, err := c.Parse(tok)
	require.NoError(t, err)
	assert.Equal(t, first, again)

	last := tok[len(tok)-1]
	flipped := byte('A')
	if last == 'A' {
		flipped = 'B'
	}
	_, err = c.Parse(tok[:len(tok)-1] + string(flipped))
	assert.ErrorIs(t, err, auth.ErrInvalidToken, "a tampered copy of a remembered token")

	now = testNow.Add(-2 * time.Second)
	_, err = c.Parse(tok)
	assert.ErrorIs(t, err, auth.ErrInvalidToken, "used before issued, beyond the leeway")
	now = testNow.Add(time.Minute + 999*time.Millisecond)
	_, err = c.Parse(tok)
	assert.NoError(t, err, "expired within the leeway")
	now = testNow.Add(time.Minute + time.Second)
	_, err = c.Parse(tok)
	assert.ErrorIs(t, err, auth.ErrInvalidToken, "expired")
}
