// Package smtpmail is the SMTP adapter of mail.Mailer, on
// github.com/wneessen/go-mail.
package smtpmail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/kpbot/kpbot/mail"
)

// Config describes the SMTP server and the sender.
type Config struct {
	// URL is smtp://user:pass@host:587 (STARTTLS, required) or
	// smtps://user:pass@host:465 (implicit TLS). The credentials are
	// optional; without them no AUTH is attempted.
	URL string
	// From is the sender address, e.g. "kpbot <no-reply@example.com>".
	From string
	// TLS, when set, replaces the TLS configuration (e.g. a private root
	// CA); its ServerName is filled from the URL when empty.
	TLS *tls.Config
	// Timeout bounds connecting and each SMTP command; default 15 s.
	Timeout time.Duration
}

// Mailer sends each message over a new SMTP connection.
type Mailer struct {
	host, from  string
	port        int
	implicitTLS bool
	user, pass  string
	hasAuth     bool
	tls         *tls.Config
	timeout     time.Duration
}

var _ mail.Mailer = (*Mailer)(nil)

// New checks cfg and returns a Mailer; it does not connect.
func New(cfg Config) (*Mailer, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, errors.New("smtpmail: the SMTP URL does not parse") // the URL may hold a password: not echoed
	}
	m := &Mailer{from: cfg.From, tls: cfg.TLS, timeout: cfg.Timeout}
	switch u.Scheme {
	case "smtp":
		m.port = 587
	case "smtps":
		m.port, m.implicitTLS = 465, true
	default:
		return nil, fmt.Errorf("smtpmail: scheme %q: want smtp or smtps", u.Scheme)
	}
	m.host = u.Hostname()
	if m.host == "" {
		return nil, errors.New("smtpmail: the SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("smtpmail: bad port %q", p)
		}
		m.port = n
	}
	if u.User != nil {
		m.user = u.User.Username()
		m.pass, _ = u.User.Password()
		m.hasAuth = m.user != ""
	}
	if err := (mail.Message{To: cfg.From, Subject: "x", Text: "x"}).Validate(); err != nil {
		return nil, fmt.Errorf("smtpmail: sender: %w", err)
	}
	if m.timeout <= 0 {
		m.timeout = 15 * time.Second
	}
	if m.tls == nil {
		m.tls = &tls.Config{MinVersion: tls.VersionTLS12}
	} else {
		m.tls = m.tls.Clone()
	}
	if m.tls.ServerName == "" {
		m.tls.ServerName = m.host
	}
	return m, nil
}

// Addr is the server's host:port.
func (m *Mailer) Addr() string { return net.JoinHostPort(m.host, strconv.Itoa(m.port)) }

// Send delivers msg: one connection, STARTTLS (required) or implicit TLS,
// AUTH when the URL has credentials, one message.
func (m *Mailer) Send(ctx context.Context, msg mail.Message) error {
	if err := msg.Validate(); err != nil {
		return err
	}
	gm := gomail.NewMsg()
	if err := gm.From(m.from); err != nil {
		return fmt.Errorf("smtpmail: sender: %w", err)
	}
	if err := gm.To(msg.To); err != nil {
		return fmt.Errorf("smtpmail: recipient: %w", err)
	}
	gm.Subject(msg.Subject)
	gm.SetMessageID()
	gm.SetDate()
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	opts := []gomail.Option{
		gomail.WithPort(m.port), gomail.WithTimeout(m.timeout), gomail.WithTLSConfig(m.tls),
	}
	if m.implicitTLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if m.hasAuth {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(m.user), gomail.WithPassword(m.pass))
	}
	c, err := gomail.NewClient(m.host, opts...)
	if err != nil {
		return fmt.Errorf("smtpmail: client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, gm); err != nil {
		return fmt.Errorf("smtpmail: send to %s via %s: %w", msg.To, m.Addr(), err)
	}
	return nil
}
