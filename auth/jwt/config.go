package jwt

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"time"
)

// Defaults for the zero fields of Config.
const (
	DefaultIssuer   = "kpbot"
	DefaultAudience = "kpbot-api"
	DefaultLeeway   = 30 * time.Second
)

// MinHS256KeySize is the shortest HS256 key Config accepts, in bytes.
const MinHS256KeySize = 32

// Config configures a Codec. Zero fields take the documented defaults.
type Config struct {
	// Issuer is the iss claim issued and required; default DefaultIssuer.
	Issuer string
	// Audience is the aud claim issued and required; default DefaultAudience.
	Audience string
	// HS256Key signs and verifies with HMAC-SHA256; at least
	// MinHS256KeySize bytes. Ignored when EdDSAPrivateKey is set.
	HS256Key []byte
	// EdDSAPrivateKey, when set, signs with Ed25519 and verifies only
	// Ed25519 signatures, with its public key; HS256 tokens are refused.
	EdDSAPrivateKey ed25519.PrivateKey
	// Leeway is the clock skew tolerated on exp, nbf and iat; default
	// DefaultLeeway. It must not be negative.
	Leeway time.Duration
	// Now is the clock used to stamp and check tokens; default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	if c.Leeway == 0 {
		c.Leeway = DefaultLeeway
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports a configuration New refuses: a missing or short key, a
// malformed Ed25519 key, or a negative leeway.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.EdDSAPrivateKey != nil:
		if len(c.EdDSAPrivateKey) != ed25519.PrivateKeySize {
			return fmt.Errorf("jwt config: EdDSA private key is %d bytes, want %d", len(c.EdDSAPrivateKey), ed25519.PrivateKeySize)
		}
	case len(c.HS256Key) == 0:
		return errors.New("jwt config: HS256Key or EdDSAPrivateKey is required")
	case len(c.HS256Key) < MinHS256KeySize:
		return fmt.Errorf("jwt config: HS256 key is %d bytes, want at least %d", len(c.HS256Key), MinHS256KeySize)
	}
	if c.Leeway < 0 {
		return errors.New("jwt config: Leeway must not be negative")
	}
	return nil
}
