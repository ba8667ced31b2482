package app

import (
	"bytes"
	"context"
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
}

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
	assert.True(t, ProvideAuthConfig(cfg, &Events{}, nil, nil, nil, nil, nil, nil).InviteOnly)
	_, err = ProvideMailer(Config{SMTPURL: "ftp://h", MailFrom: "a@b.c"}, slog.Default())
	require.Error(t, err)
}
