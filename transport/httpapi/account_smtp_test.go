package httpapi

import (
	"context"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/mail/mailjob"
	"github.com/kpbot/kpbot/mail/smtpmail"
	"github.com/kpbot/kpbot/mail/smtpmail/smtptest"
	"github.com/kpbot/kpbot/storage/dbtest"
)

var smtpResetLink = regexp.MustCompile(`https://kp\.example/reset-password\?token=([A-Za-z0-9_-]{43})`)

// TestPasswordResetOverSMTP runs forgot → e-mail → reset with the real
// mail path: the River outbox on the test database, the SMTP adapter with
// STARTTLS and AUTH, and a real SMTP server that is down when the request
// comes (the request does not wait for it) and up later.
func TestPasswordResetOverSMTP(t *testing.T) {
	t.Parallel()
	run := func(t *testing.T, db *bun.DB, newOutbox func(*smtpmail.Mailer) (*mailjob.Outbox, error)) {
		srv := smtptest.Start(t, smtptest.Options{User: "bot", Password: "pw"})
		sm, err := smtpmail.New(smtpmail.Config{URL: "smtp://bot:pw@127.0.0.1:" + srv.Port(), From: "kpbot <no-reply@kp.example>", TLS: srv.TLSConfig(), Timeout: 5 * time.Second})
		require.NoError(t, err)
		out, err := newOutbox(sm)
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		require.NoError(t, out.Start(ctx))
		t.Cleanup(func() { _ = out.Stop(context.Background()); cancel() })
		box, err := mailjob.NewAccountMail(out, nil, "https://kp.example")
		require.NoError(t, err)
		e := newTestServer(t, db, withMailbox(box, nil))
		e.register("ada@example.com", "old-password-1")

		srv.Stop()
		r := e.do("POST", "/api/auth/password/forgot", map[string]string{"email": "ada@example.com"})
		require.Equal(t, http.StatusAccepted, r.status, "the request does not wait for the mail server")
		srv.Restart()

		var token string
		require.Eventually(t, func() bool {
			for _, m := range srv.Received() {
				text, err := m.Text()
				require.NoError(t, err)
				if mm := smtpResetLink.FindStringSubmatch(text); mm != nil {
					token = mm[1]
					return true
				}
			}
			return false
		}, 60*time.Second, 50*time.Millisecond, "the reset e-mail arrives over SMTP")
		assertJobArgsHide(t, db, token, "ada@example.com")
		require.Equal(t, http.StatusNoContent, e.do("POST", "/api/auth/password/reset", map[string]string{"token": token, "new_password": "new-password-1"}).status)
		e.login("ada@example.com", "new-password-1")
		assert.NotContains(t, e.logs.String(), token)
		n := 0
		for _, m := range srv.Received() {
			text, _ := m.Text()
			if smtpResetLink.MatchString(text) {
				n++
			}
		}
		assert.Equal(t, 1, n, "the reset e-mail arrives once")
	}
	keys, err := mailjob.NewKeyring(mailjob.Key{ID: 1, Secret: []byte("0123456789abcdef0123456789abcdef")})
	require.NoError(t, err)
	fast := mailjob.Config{Keys: keys, RetryDelay: 50 * time.Millisecond, MaxDelay: 200 * time.Millisecond, FetchPollInterval: 200 * time.Millisecond}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db := dbtest.SQLite(t)
		require.NoError(t, riverjob.MigrateSQLite(t.Context(), db.DB))
		run(t, db, func(m *smtpmail.Mailer) (*mailjob.Outbox, error) { return mailjob.NewSQLite(db.DB, m, fast) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		pg := dbtest.Postgres(t)
		require.NoError(t, riverjob.MigratePostgres(t.Context(), pg.Pool))
		run(t, pg.Bun, func(m *smtpmail.Mailer) (*mailjob.Outbox, error) { return mailjob.NewPostgres(pg.Pool, m, fast) })
	})
}

// assertJobArgsHide checks that no e-mail job's stored arguments show any
// of secrets (the job table keeps finished jobs for a day).
func assertJobArgsHide(t *testing.T, db *bun.DB, secrets ...string) {
	t.Helper()
	q := "SELECT json(args) FROM river_job WHERE kind = 'kpbot_mail'" // SQLite keeps JSONB
	if db.Dialect().Name() == dialect.PG {
		q = "SELECT CAST(args AS TEXT) FROM river_job WHERE kind = 'kpbot_mail'"
	}
	var args []string
	require.NoError(t, db.NewRaw(q).Scan(t.Context(), &args))
	require.NotEmpty(t, args)
	for _, a := range args {
		for _, s := range secrets {
			assert.NotContains(t, a, s, "the job's arguments are sealed")
		}
	}
}
