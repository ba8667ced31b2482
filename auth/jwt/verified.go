package jwt

import (
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/kpbot/kpbot/auth"
)

// maxVerified bounds the verified-token cache; past it the expired entries
// go, and all of them if none has expired.
const maxVerified = 8192

// verifiedCache remembers the claims of tokens whose signature, header,
// issuer and audience already checked out, keyed by the token's SHA-256
// (so a lookup compares no secret bytes), so a client presenting the same
// access token again skips the decoding and the signature check. The
// time checks (exp, nbf, iat against now, with the leeway) run on every
// use.
type verifiedCache struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]verifiedToken
}

type verifiedToken struct {
	claims    auth.AccessClaims
	notBefore time.Time // zero when the token has no nbf
}

func (v *verifiedCache) get(token string) (verifiedToken, bool) {
	k := sha256.Sum256([]byte(token))
	v.mu.RLock()
	t, ok := v.m[k]
	v.mu.RUnlock()
	return t, ok
}

func (v *verifiedCache) put(token string, t verifiedToken, now time.Time) {
	k := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.m == nil {
		v.m = make(map[[sha256.Size]byte]verifiedToken)
	}
	if len(v.m) >= maxVerified {
		for k, e := range v.m {
			if !now.Before(e.claims.ExpiresAt) {
				delete(v.m, k)
			}
		}
		if len(v.m) >= maxVerified {
			clear(v.m)
		}
	}
	v.m[k] = t
}

// checkTimes applies the parser's time rules to a cached token: expired
// at exp+leeway, not valid before nbf-leeway or iat-leeway.
func (c *Codec) checkTimes(t verifiedToken) error {
	now, leeway := c.cfg.Now(), c.cfg.Leeway
	switch {
	case !now.Before(t.claims.ExpiresAt.Add(leeway)):
		return fmt.Errorf("%w: token has invalid claims: token is expired", auth.ErrInvalidToken)
	case !t.notBefore.IsZero() && now.Before(t.notBefore.Add(-leeway)):
		return fmt.Errorf("%w: token has invalid claims: token is not valid yet", auth.ErrInvalidToken)
	case now.Before(t.claims.IssuedAt.Add(-leeway)):
		return fmt.Errorf("%w: token has invalid claims: token used before issued", auth.ErrInvalidToken)
	}
	return nil
}
