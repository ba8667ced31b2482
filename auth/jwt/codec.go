package jwt

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"

	gojwt "github.com/golang-jwt/jwt/v5"

	"github.com/kpbot/kpbot/auth"
)

// TokenType is the typ header every access token carries (RFC 9068).
const TokenType = "at+jwt"

// MaxTokenLength caps the length of a token Parse will decode, in bytes.
const MaxTokenLength = 4096

// Codec issues and verifies access tokens; it implements auth.TokenCodec
// and is safe for concurrent use.
type Codec struct {
	cfg       Config
	method    gojwt.SigningMethod
	signKey   any
	verifyKey any
	parser    *gojwt.Parser
	verified  verifiedCache
}

var _ auth.TokenCodec = (*Codec)(nil)

// New returns a Codec for cfg, or an error when cfg is invalid.
func New(cfg Config) (*Codec, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	c := &Codec{cfg: cfg}
	if cfg.EdDSAPrivateKey != nil {
		priv := append(ed25519.PrivateKey(nil), cfg.EdDSAPrivateKey...)
		c.method = gojwt.SigningMethodEdDSA
		c.signKey = priv
		c.verifyKey = priv.Public().(ed25519.PublicKey)
	} else {
		key := append([]byte(nil), cfg.HS256Key...)
		c.method = gojwt.SigningMethodHS256
		c.signKey = key
		c.verifyKey = key
	}
	c.parser = gojwt.NewParser(
		gojwt.WithValidMethods([]string{c.method.Alg()}),
		gojwt.WithIssuer(cfg.Issuer),
		gojwt.WithAudience(cfg.Audience),
		gojwt.WithExpirationRequired(),
		gojwt.WithIssuedAt(),
		gojwt.WithLeeway(cfg.Leeway),
		gojwt.WithStrictDecoding(),
		gojwt.WithTimeFunc(cfg.Now),
	)
	return c, nil
}

// accessClaims is the JSON shape of an access token's claims.
type accessClaims struct {
	gojwt.RegisteredClaims
	SessionID string `json:"sid"`
	Role      string `json:"role"`
}

// Validate checks the claims golang-jwt does not know about; the parser
// calls it after the registered claims pass.
func (c accessClaims) Validate() error {
	switch {
	case c.Subject == "":
		return errors.New("missing sub")
	case c.SessionID == "":
		return errors.New("missing sid")
	case c.ID == "":
		return errors.New("missing jti")
	case !auth.Role(c.Role).Valid():
		return fmt.Errorf("unknown role %q", c.Role)
	}
	return nil
}

// Issue signs c into a token. A zero IssuedAt means now and an empty
// TokenID gets a random one; UserID, SessionID, a valid Role and an
// ExpiresAt after IssuedAt are required. Times are kept to the second.
func (c *Codec) Issue(claims auth.AccessClaims) (string, error) {
	switch {
	case claims.UserID == "":
		return "", errors.New("issue access token: missing user id")
	case claims.SessionID == "":
		return "", errors.New("issue access token: missing session id")
	case !claims.Role.Valid():
		return "", fmt.Errorf("issue access token: unknown role %q", claims.Role)
	}
	iat := claims.IssuedAt
	if iat.IsZero() {
		iat = c.cfg.Now()
	}
	if !claims.ExpiresAt.After(iat) {
		return "", fmt.Errorf("issue access token: expiry %s is not after issue time %s", claims.ExpiresAt, iat)
	}
	jti := claims.TokenID
	if jti == "" {
		jti = rand.Text()
	}
	tok := gojwt.NewWithClaims(c.method, accessClaims{
		RegisteredClaims: gojwt.RegisteredClaims{
			Issuer:    c.cfg.Issuer,
			Subject:   claims.UserID,
			Audience:  gojwt.ClaimStrings{c.cfg.Audience},
			ExpiresAt: gojwt.NewNumericDate(claims.ExpiresAt),
			NotBefore: gojwt.NewNumericDate(iat),
			IssuedAt:  gojwt.NewNumericDate(iat),
			ID:        jti,
		},
		SessionID: claims.SessionID,
		Role:      string(claims.Role),
	})
	tok.Header["typ"] = TokenType
	s, err := tok.SignedString(c.signKey)
	if err != nil {
		return "", fmt.Errorf("issue access token: sign: %w", err)
	}
	return s, nil
}

// Parse verifies token and returns its claims. Every failure wraps
// auth.ErrInvalidToken; the rest of the message says why, for logs only.
func (c *Codec) Parse(token string) (auth.AccessClaims, error) {
	if len(token) > MaxTokenLength {
		return auth.AccessClaims{}, fmt.Errorf("%w: token is %d bytes, over %d", auth.ErrInvalidToken, len(token), MaxTokenLength)
	}
	if t, ok := c.verified.get(token); ok {
		if err := c.checkTimes(t); err != nil {
			return auth.AccessClaims{}, err
		}
		return t.claims, nil
	}
	var claims accessClaims
	_, err := c.parser.ParseWithClaims(token, &claims, c.keyFor)
	if err != nil {
		return auth.AccessClaims{}, fmt.Errorf("%w: %v", auth.ErrInvalidToken, err)
	}
	// WithExpirationRequired guarantees exp; the parser treats iat as
	// optional, but every token this codec issues has it.
	if claims.IssuedAt == nil || claims.ExpiresAt == nil {
		return auth.AccessClaims{}, fmt.Errorf("%w: missing iat", auth.ErrInvalidToken)
	}
	out := auth.AccessClaims{
		UserID:    claims.Subject,
		SessionID: claims.SessionID,
		Role:      auth.Role(claims.Role),
		TokenID:   claims.ID,
		IssuedAt:  claims.IssuedAt.Time,
		ExpiresAt: claims.ExpiresAt.Time,
	}
	vt := verifiedToken{claims: out}
	if claims.NotBefore != nil {
		vt.notBefore = claims.NotBefore.Time
	}
	c.verified.put(token, vt, c.cfg.Now())
	return out, nil
}

// keyFor checks the header before any signature work and returns the one
// verification key. WithValidMethods has already pinned the algorithm.
func (c *Codec) keyFor(t *gojwt.Token) (any, error) {
	if typ, _ := t.Header["typ"].(string); typ != TokenType {
		return nil, fmt.Errorf("typ header %q, want %q", t.Header["typ"], TokenType)
	}
	if t.Method.Alg() != c.method.Alg() {
		return nil, fmt.Errorf("unexpected signing method %s", t.Method.Alg())
	}
	return c.verifyKey, nil
}
