package mailjob_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/mail"
	"github.com/kpbot/kpbot/mail/mailjob"
	"github.com/kpbot/kpbot/mail/smtpmail"
	"github.com/kpbot/kpbot/mail/smtpmail/smtptest"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// counting wraps a Mailer and counts its outcomes.
type counting struct {
	next       mail.Mailer
	sent, fail atomic.Int32
}

func (c *counting) Send(ctx context.Context, m mail.Message) error {
	err := c.next.Send(ctx, m)
	if err != nil {
		c.fail.Add(1)
	} else {
		c.sent.Add(1)
	}
	return err
}

var fast = mailjob.Config{RetryDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond, FetchPollInterval: 200 * time.Millisecond, SendTimeout: 10 * time.Second}

func newOutboxes(t *testing.T) map[string]func(m mail.Mailer) *mailjob.Outbox {
	out := map[string]func(m mail.Mailer) *mailjob.Outbox{
		"sqlite": func(m mail.Mailer) *mailjob.Outbox {
			db := dbtest.SQLite(t)
			require.NoError(t, riverjob.MigrateSQLite(t.Context(), db.DB))
			o, err := mailjob.NewSQLite(db.DB, m, fast)
			require.NoError(t, err)
			return o
		},
	}
	out["postgres"] = func(m mail.Mailer) *mailjob.Outbox {
		db := dbtest.Postgres(t)
		require.NoError(t, riverjob.MigratePostgres(t.Context(), db.Pool))
		o, err := mailjob.NewPostgres(db.Pool, m, fast)
		require.NoError(t, err)
		return o
	}
	return out
}

func each(t *testing.T, fn func(t *testing.T, newOutbox func(m mail.Mailer) *mailjob.Outbox)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newOutboxes(t)[name])
		})
	}
}

func start(t *testing.T, o *mailjob.Outbox) {
	ctx, cancel := context.WithCancel(context.Background())
	require.NoError(t, o.Start(ctx))
	t.Cleanup(func() {
		stop, done := context.WithTimeout(context.Background(), 10*time.Second)
		defer done()
		_ = o.Stop(stop)
		cancel()
	})
}

func TestServerDownThenUpDeliversOnce(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, newOutbox func(m mail.Mailer) *mailjob.Outbox) {
		srv := smtptest.Start(t, smtptest.Options{User: "bot", Password: "pw"})
		sm, err := smtpmail.New(smtpmail.Config{URL: "smtp://bot:pw@127.0.0.1:" + srv.Port(), From: "no-reply@example.com", TLS: srv.TLSConfig(), Timeout: 5 * time.Second})
		require.NoError(t, err)
		c := &counting{next: sm}
		o := newOutbox(c)
		srv.Stop()
		// Enqueue returns at once while the server is down: nothing waits for SMTP.
		require.NoError(t, o.Enqueue(t.Context(), mail.Message{To: "ada@example.com", Subject: "hello", Text: "body"}))
		start(t, o)
		require.Eventually(t, func() bool { return c.fail.Load() >= 2 }, 60*time.Second, 20*time.Millisecond, "the job is retried while the server is down")
		srv.Restart()
		require.Eventually(t, func() bool { return c.sent.Load() == 1 }, 60*time.Second, 20*time.Millisecond)
		got := srv.Received()
		require.Len(t, got, 1, "the mail arrives once")
		assert.Equal(t, []string{"ada@example.com"}, got[0].To)
	})
}

func TestQueuedMailSurvivesARestart(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, newOutbox func(m mail.Mailer) *mailjob.Outbox) {
		srv := smtptest.Start(t, smtptest.Options{})
		sm, err := smtpmail.New(smtpmail.Config{URL: "smtp://127.0.0.1:" + srv.Port(), From: "no-reply@example.com", TLS: srv.TLSConfig()})
		require.NoError(t, err)
		c := &counting{next: sm}
		first := newOutbox(c) // never started: the process "dies" with the mail queued
		require.NoError(t, first.Enqueue(t.Context(), mail.Message{To: "bob@example.com", Subject: "queued", Text: "body"}))
		assert.Empty(t, srv.Received())
		require.Error(t, first.Enqueue(t.Context(), mail.Message{To: "nobody", Subject: "x", Text: "y"}), "an invalid message is refused at once")
		start(t, first) // same database: a new process picks up the job
		require.Eventually(t, func() bool { return len(srv.Received()) == 1 }, 30*time.Second, 20*time.Millisecond)
	})
}

// recordingQueue keeps enqueued messages.
type recordingQueue struct{ msgs []mail.Message }

func (r *recordingQueue) Enqueue(_ context.Context, m mail.Message) error {
	r.msgs = append(r.msgs, m)
	return nil
}

func TestAccountMailLinks(t *testing.T) {
	q := &recordingQueue{}
	am, err := mailjob.NewAccountMail(q, nil, "https://kp.example/app/")
	require.NoError(t, err)
	require.NoError(t, am.SendAccountEmail(t.Context(), auth.AccountEmail{Kind: auth.EmailPasswordReset, To: "ada@example.com", Token: "abc_DEF-1"}))
	require.NoError(t, am.SendAccountEmail(t.Context(), auth.AccountEmail{Kind: auth.EmailInvitation, To: "new@example.com", Token: "tok", Role: auth.RoleModerator}))
	require.NoError(t, am.SendAccountEmail(t.Context(), auth.AccountEmail{Kind: auth.EmailPasswordChanged, To: "ada@example.com"}))
	require.Len(t, q.msgs, 3)
	assert.Contains(t, q.msgs[0].Text, "https://kp.example/app/reset-password?token=abc_DEF-1")
	assert.Contains(t, q.msgs[1].Text, "https://kp.example/app/accept-invitation?token=tok")
	assert.Contains(t, q.msgs[1].Text, "moderator")
	assert.NotContains(t, q.msgs[2].Text, "token=")
	require.ErrorIs(t, am.SendAccountEmail(t.Context(), auth.AccountEmail{Kind: auth.EmailPasswordReset}), mailjob.ErrNoRecipient)
	_, err = mailjob.NewAccountMail(q, nil, "kp.example")
	require.Error(t, err)
}
