package password_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/password"
)

func newHasher(t testing.TB, cfg password.Config) *password.Hasher {
	t.Helper()
	if cfg.Cost == 0 {
		cfg.Cost = bcrypt.MinCost
	}
	h, err := password.New(cfg)
	require.NoError(t, err)
	return h
}

func TestHashAndCompare(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHasher(t, password.Config{})
	hash, err := h.Hash(ctx, "correct horse battery staple")
	require.NoError(t, err)
	cost, err := bcrypt.Cost(hash)
	require.NoError(t, err)
	assert.Equal(t, bcrypt.MinCost, cost)

	assert.NoError(t, h.Compare(ctx, hash, "correct horse battery staple"))
	assert.ErrorIs(t, h.Compare(ctx, hash, "correct horse battery stapl"), auth.ErrInvalidCredentials)
	assert.ErrorIs(t, h.Compare(ctx, hash, ""), auth.ErrInvalidCredentials)

	again, err := h.Hash(ctx, "correct horse battery staple")
	require.NoError(t, err)
	assert.NotEqual(t, hash, again, "hashes are salted")
	assert.NoError(t, h.Compare(ctx, again, "correct horse battery staple"))
}

func TestLongPasswordsKeepEveryByte(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHasher(t, password.Config{})
	long := strings.Repeat("p", 72) + "-tail"
	prefix := long[:72]

	hash, err := h.Hash(ctx, long)
	require.NoError(t, err)
	assert.NoError(t, h.Compare(ctx, hash, long))
	assert.ErrorIs(t, h.Compare(ctx, hash, prefix), auth.ErrInvalidCredentials, "a long password must not match its 72-byte prefix")
	assert.ErrorIs(t, h.Compare(ctx, hash, strings.Repeat("p", 72)+"-tall"), auth.ErrInvalidCredentials, "bytes after 72 count")

	prefixHash, err := h.Hash(ctx, prefix)
	require.NoError(t, err)
	assert.ErrorIs(t, h.Compare(ctx, prefixHash, long), auth.ErrInvalidCredentials)

	huge := strings.Repeat("\u00e9", 4096)
	hugeHash, err := h.Hash(ctx, huge)
	require.NoError(t, err, "bcrypt's 72-byte limit never errors")
	assert.NoError(t, h.Compare(ctx, hugeHash, huge))
}

func TestPlainBcryptOfPasswordDoesNotMatch(t *testing.T) {
	t.Parallel()
	h := newHasher(t, password.Config{})
	raw, err := bcrypt.GenerateFromPassword([]byte("hunter22"), bcrypt.MinCost)
	require.NoError(t, err)
	assert.ErrorIs(t, h.Compare(context.Background(), raw, "hunter22"), auth.ErrInvalidCredentials,
		"the bcrypt input is the pre-hash, never the raw password")
}

func TestMalformedHash(t *testing.T) {
	t.Parallel()
	h := newHasher(t, password.Config{})
	for _, bad := range [][]byte{nil, []byte("x"), []byte("$2a$99$" + strings.Repeat("a", 53)), []byte(strings.Repeat("z", 60))} {
		err := h.Compare(context.Background(), bad, "whatever")
		require.ErrorIs(t, err, auth.ErrInvalidCredentials, "%q", bad)
		assert.Contains(t, err.Error(), "malformed hash")
	}
}

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	for _, cfg := range []password.Config{{}, {Cost: bcrypt.MinCost}, {Cost: bcrypt.MaxCost}, {MaxConcurrent: 1}} {
		assert.NoError(t, cfg.Validate(), "%+v", cfg)
	}
	for _, cfg := range []password.Config{{Cost: bcrypt.MinCost - 1}, {Cost: bcrypt.MaxCost + 1}, {Cost: -1}, {MaxConcurrent: -1}} {
		assert.Error(t, cfg.Validate(), "%+v", cfg)
		_, err := password.New(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	h := newHasher(t, password.Config{MaxConcurrent: 1})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := h.Hash(ctx, "password1")
	assert.ErrorIs(t, err, context.Canceled)
	assert.ErrorIs(t, h.Compare(ctx, []byte("irrelevant"), "password1"), context.Canceled)
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHasher(t, password.Config{MaxConcurrent: 2})
	hash, err := h.Hash(ctx, "shared secret")
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			pw := "shared secret"
			if i%2 == 1 {
				pw = "wrong secret"
			}
			errs[i] = h.Compare(ctx, hash, pw)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if i%2 == 1 {
			assert.ErrorIs(t, err, auth.ErrInvalidCredentials, i)
		} else {
			assert.NoError(t, err, i)
		}
	}
}

// TestDefaultCost is the one test at the production cost; it is skipped
// under -short and -race, where one cost-12 hash takes many seconds.
func TestDefaultCost(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("cost-12 sanity check skipped under -short or -race; run plain go test")
	}
	t.Parallel()
	h, err := password.New(password.Config{})
	require.NoError(t, err)
	hash, err := h.Hash(context.Background(), "default-cost password")
	require.NoError(t, err)
	cost, err := bcrypt.Cost(hash)
	require.NoError(t, err)
	assert.Equal(t, password.DefaultCost, cost)
	assert.NoError(t, h.Compare(context.Background(), hash, "default-cost password"))
}

// BenchmarkCompareCost12 measures one login's password check at the
// default cost; examples/loadtest compares login latency against it.
func BenchmarkCompareCost12(b *testing.B) {
	h := newHasher(b, password.Config{Cost: password.DefaultCost})
	ctx := context.Background()
	hash, err := h.Hash(ctx, "benchmark password")
	require.NoError(b, err)
	b.ResetTimer()
	for b.Loop() {
		if err := h.Compare(ctx, hash, "benchmark password"); err != nil {
			b.Fatal(err)
		}
	}
}
