package mailjob_test

import (
	"context"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/mail"
	"github.com/kpbot/kpbot/mail/mailjob"
)

// inbox is a Mailer that keeps what it is given.
type inbox struct {
	mu   sync.Mutex
	msgs []mail.Message
}

func (i *inbox) Send(_ context.Context, m mail.Message) error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.msgs = append(i.msgs, m)
	return nil
}

func (i *inbox) all() []mail.Message {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]mail.Message(nil), i.msgs...)
}

// syncLog is a log sink the test reads while workers write.
type syncLog struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const secretToken = "tok_SECRET-0123456789abcdefghijklmnopqrstuv"

// queueReset queues a password-reset e-mail carrying secretToken through
// o and returns the link it carries.
func queueReset(t *testing.T, o *mailjob.Outbox) string {
	t.Helper()
	am, err := mailjob.NewAccountMail(o, nil, "https://kp.example")
	require.NoError(t, err)
	require.NoError(t, am.SendAccountEmail(t.Context(), auth.AccountEmail{Kind: auth.EmailPasswordReset, To: "ada@example.com", Name: "Ada", Token: secretToken}))
	return am.Link(auth.EmailPasswordReset, secretToken)
}

func TestJobArgsAreSealed(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b *backend) {
		box := &inbox{}
		o := b.outbox(box)
		link := queueReset(t, o)
		args, states := b.jobs()
		require.Len(t, args, 1)
		assert.Equal(t, []string{"available"}, states)
		for _, secret := range []string{secretToken, url.QueryEscape(secretToken), link, "reset-password", "ada@example.com", "Ada"} {
			assert.NotContains(t, args[0], secret, "the job table shows nothing of the message")
		}
		assert.Contains(t, args[0], `"sealed"`)

		start(t, o)
		require.Eventually(t, func() bool { return len(box.all()) == 1 }, 30*time.Second, 20*time.Millisecond)
		got := box.all()[0]
		assert.Equal(t, "ada@example.com", got.To)
		assert.Contains(t, got.Text, link, "the worker opens the message and sends the link")
	})
}

// requireCancelled waits for the e-mail job to end cancelled without
// reaching the mailer, and for the error to be logged without the token.
func requireCancelled(t *testing.T, b *backend, box *inbox, logs *syncLog) {
	t.Helper()
	require.Eventually(t, func() bool {
		_, states := b.jobs()
		return len(states) == 1 && states[0] == "cancelled"
	}, 30*time.Second, 20*time.Millisecond, "a job that cannot be opened is cancelled, not retried")
	assert.Empty(t, box.all())
	assert.Contains(t, logs.String(), "cannot be opened")
	assert.NotContains(t, logs.String(), secretToken)
	var attempts int
	require.NoError(t, b.db.QueryRowContext(t.Context(), "SELECT attempt FROM river_job WHERE kind = 'kpbot_mail'").Scan(&attempts))
	assert.Equal(t, 1, attempts, "one attempt only")
}

func loggingConfig(logs *syncLog, keys *mailjob.Keyring) mailjob.Config {
	cfg := fast
	cfg.Keys, cfg.Logger = keys, slog.New(slog.NewTextHandler(logs, nil))
	return cfg
}

func TestTamperedJobIsDiscarded(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b *backend) {
		box, logs := &inbox{}, &syncLog{}
		o := b.outboxWith(box, loggingConfig(logs, keyring(t, testKey(1))))
		queueReset(t, o)
		args, _ := b.jobs()
		require.Len(t, args, 1)
		// Change one character of the ciphertext, keeping valid base64url.
		i := strings.LastIndex(args[0], `"`) - 5
		c := byte('A')
		if args[0][i] == 'A' {
			c = 'B'
		}
		b.setArgs(args[0][:i] + string(c) + args[0][i+1:])
		start(t, o)
		requireCancelled(t, b, box, logs)
	})
}

func TestMalformedJobArgsAreDiscarded(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b *backend) {
		box, logs := &inbox{}, &syncLog{}
		o := b.outboxWith(box, loggingConfig(logs, keyring(t, testKey(1))))
		queueReset(t, o)
		b.setArgs(`{"sealed": 5}`)
		start(t, o)
		requireCancelled(t, b, box, logs)
	})
}

func TestJobSealedWithAnUnknownKeyIsDiscarded(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b *backend) {
		queueReset(t, b.outbox(&inbox{})) // sealed with key 1, never started
		box, logs := &inbox{}, &syncLog{}
		other := b.outboxWith(box, loggingConfig(logs, keyring(t, testKey(2))))
		start(t, other)
		requireCancelled(t, b, box, logs)
		assert.Contains(t, logs.String(), "key_id=1", "the log names the missing key")
	})
}

func TestKeyRotationKeepsQueuedMail(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, b *backend) {
		link := queueReset(t, b.outbox(&inbox{})) // sealed with key 1
		box := &inbox{}
		cfg := fast
		cfg.Keys = keyring(t, testKey(2), testKey(1))
		rotated := b.outboxWith(box, cfg)
		link2 := queueReset(t, rotated) // sealed with key 2
		start(t, rotated)
		require.Eventually(t, func() bool { return len(box.all()) == 2 }, 30*time.Second, 20*time.Millisecond)
		for _, m := range box.all() {
			assert.Contains(t, []string{link, link2}, extractLink(m.Text))
		}
	})
}

func extractLink(text string) string {
	i := strings.Index(text, "https://kp.example/reset-password?token=")
	if i < 0 {
		return ""
	}
	return strings.Fields(text[i:])[0]
}

func TestOutboxNeedsKeys(t *testing.T) {
	t.Parallel()
	b := newBackend(t, "sqlite")
	_, err := b.open(&inbox{}, mailjob.Config{})
	require.ErrorContains(t, err, "Keys")
	_, err = b.open(nil, mailjob.Config{Keys: keyring(t, testKey(1))})
	require.Error(t, err)
}
