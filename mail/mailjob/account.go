package mailjob

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/mail"
)

// Enqueuer stores a message for delivery; *Outbox is one.
type Enqueuer interface {
	Enqueue(ctx context.Context, m mail.Message) error
}

// AccountMail renders account e-mails and queues them: the auth.Mailbox
// of a server.
type AccountMail struct {
	out       Enqueuer
	templates *mail.Templates
	publicURL string
	app       string
}

var _ auth.Mailbox = (*AccountMail)(nil)

// NewAccountMail returns an auth.Mailbox that renders with templates (nil:
// mail.DefaultTemplates) and builds links under publicURL, the address
// the web app is served at (e.g. https://kpbot.example.com).
func NewAccountMail(out Enqueuer, templates *mail.Templates, publicURL string) (*AccountMail, error) {
	u, err := url.Parse(publicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mailjob: public URL %q: want http(s)://host[/path]", publicURL)
	}
	if templates == nil {
		templates = mail.DefaultTemplates()
	}
	return &AccountMail{out: out, templates: templates, publicURL: strings.TrimRight(publicURL, "/"), app: "kpbot"}, nil
}

// linkPaths are the web app pages each e-mail's link opens.
var linkPaths = map[auth.EmailKind]string{
	auth.EmailPasswordReset: "/reset-password",
	auth.EmailVerify:        "/verify-email",
	auth.EmailChange:        "/verify-email",
	auth.EmailInvitation:    "/accept-invitation",
}

// Link is the URL an e-mail of kind carries for token.
func (a *AccountMail) Link(kind auth.EmailKind, token string) string {
	p, ok := linkPaths[kind]
	if !ok || token == "" {
		return ""
	}
	return a.publicURL + p + "?token=" + url.QueryEscape(token)
}

// SendAccountEmail renders e and queues it.
func (a *AccountMail) SendAccountEmail(ctx context.Context, e auth.AccountEmail) error {
	if e.To == "" {
		return ErrNoRecipient
	}
	m, err := a.templates.Render(string(e.Kind), e.To, mail.Data{
		App: a.app, Name: e.Name, Link: a.Link(e.Kind, e.Token), Email: e.Email, Role: string(e.Role),
	})
	if err != nil {
		return fmt.Errorf("render %s e-mail: %w", e.Kind, err)
	}
	return a.out.Enqueue(ctx, m)
}
