package authtest

import (
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
)

// NewCodec returns a token codec with a fresh random HS256 key, default
// issuer and audience, and the real clock; it fails t on error.
func NewCodec(t testing.TB) *jwt.Codec {
	t.Helper()
	key, err := jwt.GenerateKey()
	if err != nil {
		t.Fatalf("authtest: %v", err)
	}
	c, err := jwt.New(jwt.Config{HS256Key: key})
	if err != nil {
		t.Fatalf("authtest: new codec: %v", err)
	}
	return c
}

// NewHasher returns a password hasher at bcrypt.MinCost, fast enough for
// tests and never for production; it fails t on error.
func NewHasher(t testing.TB) *password.Hasher {
	t.Helper()
	h, err := password.New(password.Config{Cost: bcrypt.MinCost})
	if err != nil {
		t.Fatalf("authtest: new hasher: %v", err)
	}
	return h
}
