package auth_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/mail"
	"github.com/kpbot/kpbot/mail/mailjob"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/ratelimit"
)

// workTrace records, in order, the costly steps a request makes through
// the Service's ports: the seams of the enumeration tests. It counts work
// instead of timing it.
type workTrace struct {
	mu    sync.Mutex
	steps []string
}

func (w *workTrace) add(step string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.steps = append(w.steps, step)
}

// take returns the steps recorded since the last take.
func (w *workTrace) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := w.steps
	w.steps = nil
	return out
}

type tracedUsers struct {
	auth.UserStore
	w *workTrace
}

func (u tracedUsers) UserByEmailKey(ctx context.Context, keys ...string) (*auth.User, error) {
	u.w.add("user lookup")
	return u.UserStore.UserByEmailKey(ctx, keys...)
}

func (u tracedUsers) CreateUser(ctx context.Context, usr *auth.User) error {
	u.w.add("user insert")
	return u.UserStore.CreateUser(ctx, usr)
}

type tracedTokens struct {
	auth.AccountTokenStore
	w *workTrace
}

func (t tracedTokens) CreateAccountToken(ctx context.Context, tok *auth.AccountToken) error {
	t.w.add("token insert")
	return t.AccountTokenStore.CreateAccountToken(ctx, tok)
}

type tracedHasher struct {
	auth.PasswordHasher
	w *workTrace
}

func (h tracedHasher) Hash(ctx context.Context, pw string) ([]byte, error) {
	h.w.add("password hash")
	return h.PasswordHasher.Hash(ctx, pw)
}

func (h tracedHasher) Compare(ctx context.Context, hash []byte, pw string) error {
	h.w.add("password compare")
	return h.PasswordHasher.Compare(ctx, hash, pw)
}

type tracedLimiter struct {
	auth.RateLimiter
	w *workTrace
}

func (l tracedLimiter) Allow(ctx context.Context, key string, lim auth.Limit) (auth.Decision, error) {
	l.w.add("rate limit")
	return l.RateLimiter.Allow(ctx, key, lim)
}

// tracedQueue is the e-mail queue behind the real account mailbox
// (templates rendered, links built): it records each enqueue.
type tracedQueue struct {
	w    *workTrace
	mu   sync.Mutex
	msgs []mail.Message
}

func (q *tracedQueue) Enqueue(_ context.Context, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	q.w.add("mail enqueue")
	q.mu.Lock()
	defer q.mu.Unlock()
	q.msgs = append(q.msgs, m)
	return nil
}

func newTracedService(t *testing.T, db *bun.DB, cfg auth.Config) (*auth.Service, *workTrace, *tracedQueue) {
	t.Helper()
	w := &workTrace{}
	q := &tracedQueue{w: w}
	box, err := mailjob.NewAccountMail(q, nil, "https://kp.example")
	require.NoError(t, err)
	clock := authtest.NewClock(time.Time{})
	cfg.Now, cfg.Mailbox = clock.Now, box
	svc, err := auth.NewService(t.Context(), cfg, auth.Stores{
		Users:         tracedUsers{UserStore: bunstore.NewUsers(db), w: w},
		Sessions:      bunstore.NewSessions(db),
		AccountTokens: tracedTokens{AccountTokenStore: bunstore.NewAccountTokens(db), w: w},
	}, authtest.NewCodec(t), tracedHasher{PasswordHasher: authtest.NewHasher(t), w: w},
		tracedLimiter{RateLimiter: ratelimit.NewMemory(ratelimit.WithClock(clock.Now)), w: w})
	require.NoError(t, err)
	w.take() // the dummy hash of NewService
	return svc, w, q
}

// TestForgotPasswordDoesTheSameWork: a known and an unknown address cost
// the same steps, in the same order (a rate-limit check, a user lookup, a
// token stored, one e-mail rendered and queued), and both are limited per
// address the same way.
func TestForgotPasswordDoesTheSameWork(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := t.Context()
		svc, w, q := newTracedService(t, db, auth.Config{})
		_, err := svc.Register(ctx, auth.RegisterInput{Email: "ada@example.com", Password: "old-password-1"}, auth.ClientInfo{})
		require.NoError(t, err)
		w.take()

		forgot := func(address string) []string {
			require.NoError(t, svc.ForgotPassword(ctx, address))
			return w.take()
		}
		known := forgot("ada@example.com")
		assert.Equal(t, []string{"rate limit", "user lookup", "token insert", "mail enqueue"}, known)
		for _, other := range []string{"nobody@example.com", "NOBODY2@example.com", "ａｄａ2@example.com"} {
			assert.Equal(t, known, forgot(other), "an unknown address does the same work: %s", other)
		}
		q.mu.Lock()
		toKnown, toUnknown := q.msgs[len(q.msgs)-4], q.msgs[len(q.msgs)-3]
		q.mu.Unlock()
		assert.Contains(t, toKnown.Text, "reset-password?token=")
		assert.NotContains(t, toUnknown.Text, "token=", "no account: a notice, with no link")

		// The per-address limit (3 per window) treats both alike: past it,
		// only the limit is checked, for either.
		for range 2 {
			assert.Equal(t, known, forgot("ada@example.com"))
			assert.Equal(t, known, forgot("nobody@example.com"))
		}
		assert.Equal(t, []string{"rate limit"}, forgot("ada@example.com"))
		assert.Equal(t, []string{"rate limit"}, forgot("nobody@example.com"))
	})
}

// TestRegisterHashesForATakenAddress: the duplicate's answer differs by
// contract (409), but it is not cheaper: the password is hashed before
// the address is tried. Invite-only registration refuses everyone before
// any work.
func TestRegisterHashesForATakenAddress(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := t.Context()
		svc, w, _ := newTracedService(t, db, auth.Config{})
		register := func(email string) ([]string, error) {
			_, err := svc.Register(ctx, auth.RegisterInput{Email: email, Password: "old-password-1"}, auth.ClientInfo{})
			steps := w.take()
			if len(steps) > 2 {
				steps = steps[:2] // a new account then gets its verification e-mail and session
			}
			return steps, err
		}
		fresh, err := register("ada@example.com")
		require.NoError(t, err)
		taken, err := register("ADA@example.com")
		require.ErrorIs(t, err, auth.ErrEmailTaken)
		assert.Equal(t, []string{"password hash", "user insert"}, fresh)
		assert.Equal(t, fresh, taken, "a taken address costs the same bcrypt hash and insert")

		closed, w2, _ := newTracedService(t, db, auth.Config{InviteOnly: true})
		for _, email := range []string{"ada@example.com", "new@example.com"} {
			_, err := closed.Register(ctx, auth.RegisterInput{Email: email, Password: "old-password-1"}, auth.ClientInfo{})
			require.ErrorIs(t, err, auth.ErrRegistrationClosed)
			assert.Empty(t, w2.take(), "invite-only: refused before any lookup")
		}
	})
}

// TestBadInvitationTokensAreOneError: an unknown, used or malformed
// invitation token is the same error, after the same work (expired ones:
// TestInvitationAcceptBadTokensLookAlike in transport/httpapi).
func TestBadInvitationTokensAreOneError(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *bun.DB) {
		t.Parallel()
		ctx := t.Context()
		svc, w, q := newTracedService(t, db, auth.Config{})
		adminRes, err := svc.EnsureAdmin(ctx, "root@example.com", "root-password-1")
		require.NoError(t, err)
		admin := &auth.Principal{User: adminRes}
		_, err = svc.Invite(ctx, admin, "new@example.com", auth.RoleUser)
		require.NoError(t, err)
		q.mu.Lock()
		link := q.msgs[len(q.msgs)-1].Text
		q.mu.Unlock()
		token := extractToken(t, link)
		_, err = svc.AcceptInvitation(ctx, token, "new-password-1", "", auth.ClientInfo{})
		require.NoError(t, err)
		w.take()

		for name, tok := range map[string]string{"used": token, "unknown": "A234567890123456789012345678901234567890123", "malformed": "abc"} {
			_, err := svc.AcceptInvitation(ctx, tok, "new-password-1", "", auth.ClientInfo{})
			require.ErrorIs(t, err, auth.ErrBadAccountToken, name)
			assert.Equal(t, auth.ErrBadAccountToken.Error(), err.Error(), name)
			assert.Empty(t, w.take(), "%s: no hash, no insert", name)
		}
	})
}

func extractToken(t *testing.T, text string) string {
	t.Helper()
	const marker = "token="
	for i := 0; i+len(marker) <= len(text); i++ {
		if text[i:i+len(marker)] == marker {
			return text[i+len(marker) : i+len(marker)+43]
		}
	}
	t.Fatalf("no token in %q", text)
	return ""
}
