package password

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/kpbot/kpbot/auth"
)

// preHashKey separates this pre-hash from any other use of HMAC-SHA256; it
// is not a secret. Changing it invalidates every stored hash.
const preHashKey = "kpbot/password/bcrypt-prehash/v1"

// Hasher hashes and checks passwords with bcrypt; it implements
// auth.PasswordHasher and is safe for concurrent use.
type Hasher struct {
	cost int
	sem  chan struct{}
}

var _ auth.PasswordHasher = (*Hasher)(nil)

// New returns a Hasher for cfg, or an error when cfg is invalid.
func New(cfg Config) (*Hasher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Hasher{cost: cfg.Cost, sem: make(chan struct{}, cfg.MaxConcurrent)}, nil
}

// Hash returns a bcrypt hash of password, waiting for a free slot first;
// it returns the context's error if ctx ends while it waits.
func (h *Hasher) Hash(ctx context.Context, password string) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	defer h.release()
	hash, err := bcrypt.GenerateFromPassword(preHash(password), h.cost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return hash, nil
}

// Compare returns nil when password matches hash, auth.ErrInvalidCredentials
// when it does not or when hash is malformed (wrapped, with the reason), and
// the context's error if ctx ends while it waits for a slot.
func (h *Hasher) Compare(ctx context.Context, hash []byte, password string) error {
	if err := h.acquire(ctx); err != nil {
		return fmt.Errorf("compare password: %w", err)
	}
	defer h.release()
	err := bcrypt.CompareHashAndPassword(hash, preHash(password))
	switch {
	case err == nil:
		return nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return auth.ErrInvalidCredentials
	default:
		return fmt.Errorf("%w: malformed hash: %v", auth.ErrInvalidCredentials, err)
	}
}

// acquire takes a slot, or fails with ctx.Err() once ctx is done; a
// context already done never takes a slot.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

// preHash maps a password of any length to the 44-byte bcrypt input.
func preHash(password string) []byte {
	mac := hmac.New(sha256.New, []byte(preHashKey))
	mac.Write([]byte(password))
	sum := mac.Sum(nil)
	out := make([]byte, base64.StdEncoding.EncodedLen(len(sum)))
	base64.StdEncoding.Encode(out, sum)
	return out
}
