package mailjob_test

import (
	"bytes"
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

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

// testKey is a fixed sealing key of the tests.
func testKey(id byte) mailjob.Key {
	return mailjob.Key{ID: id, Secret: bytes.Repeat([]byte{id}, mailjob.KeySize)}
}

func keyring(t *testing.T, current mailjob.Key, older ...mailjob.Key) *mailjob.Keyring {
	t.Helper()
	k, err := mailjob.NewKeyring(current, older...)
	require.NoError(t, err)
	return k
}

// backend is one migrated database with River's tables, on which the test
// makes outboxes and reads the job table.
type backend struct {
	t        *testing.T
	db       *bun.DB
	postgres bool
	open     func(m mail.Mailer, cfg mailjob.Config) (*mailjob.Outbox, error)
}

// outbox returns an Outbox sending through m and sealing with key 1.
func (b *backend) outbox(m mail.Mailer) *mailjob.Outbox {
	cfg := fast
	cfg.Keys = keyring(b.t, testKey(1))
	return b.outboxWith(m, cfg)
}

func (b *backend) outboxWith(m mail.Mailer, cfg mailjob.Config) *mailjob.Outbox {
	o, err := b.open(m, cfg)
	require.NoError(b.t, err)
	return o
}

// jobs returns the stored arguments and state of every e-mail job.
func (b *backend) jobs() (args, states []string) {
	q := "SELECT json(args), state FROM river_job WHERE kind = 'kpbot_mail' ORDER BY id" // SQLite keeps JSONB
	if b.postgres {
		q = "SELECT CAST(args AS TEXT), state FROM river_job WHERE kind = 'kpbot_mail' ORDER BY id"
	}
	rows, err := b.db.QueryContext(b.t.Context(), q)
	require.NoError(b.t, err)
	defer rows.Close()
	for rows.Next() {
		var a, s string
		require.NoError(b.t, rows.Scan(&a, &s))
		args, states = append(args, a), append(states, s)
	}
	require.NoError(b.t, rows.Err())
	return args, states
}

// setArgs overwrites the stored arguments of every e-mail job.
func (b *backend) setArgs(args string) {
	q := "UPDATE river_job SET args = jsonb(?) WHERE kind = 'kpbot_mail'"
	if b.postgres {
		q = "UPDATE river_job SET args = CAST(? AS jsonb) WHERE kind = 'kpbot_mail'"
	}
	_, err := b.db.ExecContext(b.t.Context(), q, args)
	require.NoError(b.t, err)
}

func newBackend(t *testing.T, name string) *backend {
	if name == "sqlite" {
		db := dbtest.SQLite(t)
		require.NoError(t, riverjob.MigrateSQLite(t.Context(), db.DB))
		return &backend{t: t, db: db, open: func(m mail.Mailer, cfg mailjob.Config) (*mailjob.Outbox, error) {
			return mailjob.NewSQLite(db.DB, m, cfg)
		}}
	}
	db := dbtest.Postgres(t)
	require.NoError(t, riverjob.MigratePostgres(t.Context(), db.Pool))
	return &backend{t: t, db: db.Bun, postgres: true, open: func(m mail.Mailer, cfg mailjob.Config) (*mailjob.Outbox, error) {
		return mailjob.NewPostgres(db.Pool, m, cfg)
	}}
}

func each(t *testing.T, fn func(t *testing.T, b *backend)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newBackend(t, name))
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
	each(t, func(t *testing.T, b *backend) {
		srv := smtptest.Start(t, smtptest.Options{User: "bot", Password: "pw"})
		sm, err := smtpmail.New(smtpmail.Config{URL: "smtp://bot:pw@127.0.0.1:" + srv.Port(), From: "no-reply@example.com", TLS: srv.TLSConfig(), Timeout: 5 * time.Second})
		require.NoError(t, err)
		c := &counting{next: sm}
		o := b.outbox(c)
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
	each(t, func(t *testing.T, b *backend) {
		srv := smtptest.Start(t, smtptest.Options{})
		sm, err := smtpmail.New(smtpmail.Config{URL: "smtp://127.0.0.1:" + srv.Port(), From: "no-reply@example.com", TLS: srv.TLSConfig()})
		require.NoError(t, err)
		c := &counting{next: sm}
		first := b.outbox(c) // never started: the process "dies" with the mail queued
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
