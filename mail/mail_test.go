package mail_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/mail"
)

func TestDefaultTemplatesRenderEveryEmail(t *testing.T) {
	tpl := mail.DefaultTemplates()
	for _, name := range []string{"password_reset", "password_reset_unknown", "password_changed", "verify_email", "invitation", "email_change", "email_change_notice"} {
		m, err := tpl.Render(name, "ada@example.com", mail.Data{Name: "Ada", Link: "https://kp.test/x?token=T0K", Email: "new@example.com", Role: "moderator"})
		require.NoError(t, err, name)
		require.NotEmpty(t, m.Subject, name)
		require.NotContains(t, m.Subject, "\n", name)
		require.Equal(t, "ada@example.com", m.To)
	}
	m, err := tpl.Render("password_reset", "ada@example.com", mail.Data{Name: "<b>Ada</b>", Link: "https://kp.test/reset-password?token=T0K"})
	require.NoError(t, err)
	require.Contains(t, m.Text, "https://kp.test/reset-password?token=T0K")
	require.Contains(t, m.HTML, "&lt;b&gt;Ada&lt;/b&gt;", "the HTML body escapes what it is given")
	require.Contains(t, m.Subject, "kpbot")
}

func TestNewTemplatesOverridesOneFile(t *testing.T) {
	tpl := mail.NewTemplates(fstest.MapFS{
		"password_reset.subject.txt": {Data: []byte("Acme: new password")},
	})
	m, err := tpl.Render("password_reset", "ada@example.com", mail.Data{Link: "https://l"})
	require.NoError(t, err)
	require.Equal(t, "Acme: new password", m.Subject)
	require.Contains(t, m.Text, "https://l", "the body falls back to the built-in template")
	_, err = tpl.Render("no_such_mail", "ada@example.com", mail.Data{})
	require.Error(t, err)
	bad := mail.NewTemplates(fstest.MapFS{"password_reset.txt": {Data: []byte("{{.Nope}}")}})
	_, err = bad.Render("password_reset", "ada@example.com", mail.Data{})
	require.Error(t, err, "an unknown field is an error, not a blank")
}

func TestLogMailer(t *testing.T) {
	var buf bytes.Buffer
	l := mail.LogMailer{Log: slog.New(slog.NewTextHandler(&buf, nil))}
	require.NoError(t, l.Send(context.Background(), mail.Message{To: "a@b.c", Subject: "S", Text: "link https://x/y?token=abc"}))
	require.Contains(t, buf.String(), "token=abc")
	require.Error(t, l.Send(context.Background(), mail.Message{To: "not-an-address", Subject: "S", Text: "t"}))
	require.Error(t, l.Send(context.Background(), mail.Message{To: "a@b.c", Subject: "S\nBcc: x@y.z", Text: "t"}))
	require.Error(t, l.Send(context.Background(), mail.Message{To: "a@b.c", Subject: "", Text: "t"}))
}
