package smtpmail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/mail"
	"github.com/kpbot/kpbot/mail/smtpmail"
	"github.com/kpbot/kpbot/mail/smtpmail/smtptest"
)

func msg() mail.Message {
	return mail.Message{To: "ada@example.com", Subject: "Reset your password", Text: "open https://x.test/reset?token=abc", HTML: "<p>hello</p>"}
}

func TestSendSTARTTLSWithAuth(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: "bot", Password: "s3cret pass"})
	m, err := smtpmail.New(smtpmail.Config{
		URL: "smtp://bot:s3cret%20pass@127.0.0.1:" + srv.Port(), From: "kpbot <no-reply@example.com>", TLS: srv.TLSConfig(),
	})
	require.NoError(t, err)
	require.NoError(t, m.Send(context.Background(), msg()))
	got := srv.Received()
	require.Len(t, got, 1)
	require.Equal(t, "no-reply@example.com", got[0].From)
	require.Equal(t, []string{"ada@example.com"}, got[0].To)
	require.Contains(t, got[0].Data, "Subject: Reset your password")
	require.Contains(t, got[0].Data, "text/plain")
	require.Contains(t, got[0].Data, "text/html")
	text, err := got[0].Text()
	require.NoError(t, err)
	require.Contains(t, text, "https://x.test/reset?token=abc")
}

func TestSendImplicitTLS(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{ImplicitTLS: true})
	m, err := smtpmail.New(smtpmail.Config{URL: "smtps://127.0.0.1:" + srv.Port(), From: "no-reply@example.com", TLS: srv.TLSConfig()})
	require.NoError(t, err)
	require.NoError(t, m.Send(context.Background(), msg()))
	require.Len(t, srv.Received(), 1)
}

func TestSendRefusesUntrustedCertificate(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m, err := smtpmail.New(smtpmail.Config{URL: "smtp://127.0.0.1:" + srv.Port(), From: "no-reply@example.com"})
	require.NoError(t, err)
	require.Error(t, m.Send(context.Background(), msg()), "a self-signed certificate the client does not trust must fail STARTTLS")
	require.Empty(t, srv.Received())
}

func TestSendAuthFailure(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{User: "bot", Password: "right"})
	m, err := smtpmail.New(smtpmail.Config{URL: "smtp://bot:wrong-secret@127.0.0.1:" + srv.Port(), From: "no-reply@example.com", TLS: srv.TLSConfig()})
	require.NoError(t, err)
	err = m.Send(context.Background(), msg())
	require.Error(t, err)
	require.NotContains(t, err.Error(), "wrong-secret", "the password must not appear in errors")
	require.Empty(t, srv.Received())
}

func TestSendServerDown(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	srv.Stop()
	m, err := smtpmail.New(smtpmail.Config{URL: "smtp://127.0.0.1:" + srv.Port(), From: "no-reply@example.com", TLS: srv.TLSConfig(), Timeout: 5 * time.Second})
	require.NoError(t, err)
	require.Error(t, m.Send(context.Background(), msg()))
	srv.Restart()
	require.NoError(t, m.Send(context.Background(), msg()))
	require.Len(t, srv.Received(), 1)
}

func TestNewRejectsBadConfig(t *testing.T) {
	for _, c := range []smtpmail.Config{
		{URL: "http://h:25", From: "a@b.c"},
		{URL: "smtp://:25", From: "a@b.c"},
		{URL: "smtp://h:99999", From: "a@b.c"},
		{URL: "smtp://h:25", From: "not an address"},
		{URL: "smtp://u:p@h:25\x7f", From: "a@b.c"},
	} {
		_, err := smtpmail.New(c)
		require.Error(t, err, c.URL)
		require.False(t, strings.Contains(err.Error(), ":p@"), "the URL's password must not be echoed")
	}
}

func TestSendRejectsHeaderInjection(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{})
	m, err := smtpmail.New(smtpmail.Config{URL: "smtp://127.0.0.1:" + srv.Port(), From: "no-reply@example.com", TLS: srv.TLSConfig()})
	require.NoError(t, err)
	bad := msg()
	bad.Subject = "hi\r\nBcc: victim@example.com"
	require.Error(t, m.Send(context.Background(), bad))
	require.Empty(t, srv.Received())
}
