package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
)

// Message is one e-mail to one recipient.
type Message struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Text    string `json:"text"`
	HTML    string `json:"html,omitempty"`
}

// Validate reports a message no Mailer can send: no single valid
// recipient, no subject, no text body, or a header with a line break.
func (m Message) Validate() error {
	if _, err := mail.ParseAddress(m.To); err != nil {
		return fmt.Errorf("mail: recipient %q: %w", m.To, err)
	}
	switch {
	case strings.ContainsAny(m.To+m.Subject, "\r\n"):
		return errors.New("mail: a header contains a line break")
	case m.Subject == "":
		return errors.New("mail: empty subject")
	case m.Text == "":
		return errors.New("mail: empty text body")
	}
	return nil
}

// Mailer delivers messages. Send returns once the message was handed to
// the next hop, or with an error; callers that must not wait go through a
// queue (mail/mailjob).
type Mailer interface {
	Send(ctx context.Context, m Message) error
}

// LogMailer writes every message, text body included, to a log instead of
// sending it: the default of the example server, where the links of
// account e-mails are read from the log.
type LogMailer struct {
	Log *slog.Logger
}

// Send logs m at info level.
func (l LogMailer) Send(ctx context.Context, m Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	log := l.Log
	if log == nil {
		log = slog.Default()
	}
	log.InfoContext(ctx, "mail (log mailer: not sent)", "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}
