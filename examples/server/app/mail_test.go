package app

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/mail"
	"github.com/kpbot/kpbot/mail/mailjob"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// readableLog is a log sink the test may read while the server writes.
type readableLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *readableLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *readableLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var resetLink = regexp.MustCompile(`https://kp\.example/reset-password\?token=([A-Za-z0-9_-]{43})`)

// TestPasswordResetThroughTheLogMailer: with no SMTP server configured the
// reset link goes to the log, through the River e-mail queue, and works.
func TestPasswordResetThroughTheLogMailer(t *testing.T) {
	cfg, err := LoadConfig(nil, envOf(map[string]string{
		"KPBOT_DATABASE_URL": "file:" + filepath.Join(t.TempDir(), "kpbot.db"),
		"KPBOT_PUBLIC_URL":   "https://kp.example/",
		"KPBOT_BCRYPT_COST":  "4",
	}))
	require.NoError(t, err)
	logs := &readableLog{}
	ctx, cancel := context.WithCancel(context.Background())
	a, cleanup, err := Build(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); _ = <-done; cleanup() }) // shutdown is not what this test checks
	base := "http://" + ln.Addr().String()

	res, _ := postJSON(t, base+"/api/auth/register", "", map[string]string{"email": "ada@example.com", "password": "old-password-1"})
	require.Equal(t, http.StatusCreated, res.StatusCode)
	res, body := postJSON(t, base+"/api/auth/password/forgot", "", map[string]string{"email": "ada@example.com"})
	require.Equal(t, http.StatusAccepted, res.StatusCode)
	assert.NotEmpty(t, body["message"])

	var token string
	require.Eventually(t, func() bool {
		m := resetLink.FindStringSubmatch(logs.String())
		if m != nil {
			token = m[1]
		}
		return m != nil
	}, 30*time.Second, 50*time.Millisecond, "the reset link reaches the log")
	res, _ = postJSON(t, base+"/api/auth/password/reset", "", map[string]string{"token": token, "new_password": "new-password-1"})
	require.Equal(t, http.StatusNoContent, res.StatusCode)
	res, _ = postJSON(t, base+"/api/auth/login", "", map[string]string{"email": "ada@example.com", "password": "new-password-1"})
	require.Equal(t, http.StatusOK, res.StatusCode)

	// The token appears once in the log: in the e-mail, nowhere else.
	assert.Equal(t, 1, bytes.Count([]byte(logs.String()), []byte(token)))
	// The job table keeps the sealed message only.
	var args []string
	require.NoError(t, a.Database.Bun.NewRaw("SELECT json(args) FROM river_job WHERE kind = 'kpbot_mail'").Scan(ctx, &args))
	require.NotEmpty(t, args)
	for _, s := range args {
		assert.NotContains(t, s, token)
		assert.NotContains(t, s, "ada@example.com")
	}
}

func TestMailKeyIsDerivedApartFromTheJWTKey(t *testing.T) {
	secret := Secret("an example secret of at least 32 bytes!")
	k1, err := hkdf.Key(sha256.New, secret, nil, mailKeyInfo, 32)
	require.NoError(t, err)
	assert.NotEqual(t, []byte(secret[:32]), k1, "the raw JWT key is never the mail key")
	keys, err := ProvideMailKeys(secret)
	require.NoError(t, err)
	again, err := ProvideMailKeys(secret)
	require.NoError(t, err)
	other, err := ProvideMailKeys(Secret("another example secret of 32 bytes or more"))
	require.NoError(t, err)

	// Instances with the same secret open each other's jobs; another secret
	// does not. Checked through the outbox on a real database.
	ctx := t.Context()
	db := dbtest.SQLite(t)
	require.NoError(t, riverjob.MigrateSQLite(ctx, db.DB))
	delivered := make(chan mail.Message, 4)
	send := mailerFunc(func(_ context.Context, m mail.Message) error { delivered <- m; return nil })
	for _, tc := range []struct {
		name   string
		opener *mailjob.Keyring
		opens  bool
	}{{"same secret", again, true}, {"other secret", other, false}} {
		t.Run(tc.name, func(t *testing.T) {
			sealer, err := mailjob.NewSQLite(db.DB, send, mailjob.Config{Keys: keys})
			require.NoError(t, err)
			require.NoError(t, sealer.Enqueue(ctx, mail.Message{To: "ada@example.com", Subject: tc.name, Text: "body"}))
			opener, err := mailjob.NewSQLite(db.DB, send, mailjob.Config{Keys: tc.opener, FetchPollInterval: 100 * time.Millisecond})
			require.NoError(t, err)
			require.NoError(t, opener.Start(ctx))
			defer func() { _ = opener.Stop(context.Background()) }()
			var state string
			require.Eventually(t, func() bool {
				require.NoError(t, db.NewRaw("SELECT state FROM river_job WHERE kind = 'kpbot_mail' ORDER BY id DESC LIMIT 1").Scan(ctx, &state))
				return state == "completed" || state == "cancelled"
			}, 30*time.Second, 20*time.Millisecond)
			if tc.opens {
				assert.Equal(t, "completed", state)
				assert.Equal(t, tc.name, (<-delivered).Subject)
			} else {
				assert.Equal(t, "cancelled", state)
				assert.Empty(t, delivered)
			}
		})
	}
}

// someBus stands for the event bus where only its presence matters.
type someBus struct{ events.Bus }

type mailerFunc func(ctx context.Context, m mail.Message) error

func (f mailerFunc) Send(ctx context.Context, m mail.Message) error { return f(ctx, m) }

func TestMailConfig(t *testing.T) {
	_, err := LoadConfig(nil, envOf(map[string]string{"KPBOT_SMTP_URL": "smtp://h:587"}))
	require.ErrorContains(t, err, "KPBOT_MAIL_FROM")
	_, err = LoadConfig(nil, envOf(map[string]string{"KPBOT_PUBLIC_URL": "kp.example"}))
	require.ErrorContains(t, err, "KPBOT_PUBLIC_URL")
	_, err = LoadConfig(nil, envOf(map[string]string{"KPBOT_REGISTRATION": "closed"}))
	require.ErrorContains(t, err, "KPBOT_REGISTRATION")
	cfg, err := LoadConfig(nil, envOf(map[string]string{"KPBOT_ADDR": ":9090", "KPBOT_REGISTRATION": "invite"}))
	require.NoError(t, err)
	assert.Equal(t, "http://localhost:9090", publicURL(cfg))
	_, err = ProvideAuthConfig(cfg, &Events{}, nil, nil, nil)
	require.Error(t, err, "revocations need the event bus")
	ac, err := ProvideAuthConfig(cfg, &Events{Bus: someBus{}}, nil, nil, nil)
	require.NoError(t, err)
	assert.True(t, ac.InviteOnly)
	_, err = ProvideMailer(Config{SMTPURL: "ftp://h", MailFrom: "a@b.c"}, slog.Default())
	require.Error(t, err)
}
