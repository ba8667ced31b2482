package app

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/google/wire"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/mail"
	"github.com/kpbot/kpbot/mail/mailjob"
	"github.com/kpbot/kpbot/mail/smtpmail"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
)

// MailSet provides the account e-mails: a Mailer (SMTP, or the log), the
// River outbox that sends through it, and the auth ports over them.
var MailSet = wire.NewSet(ProvideMailer, ProvideMailKeys, ProvideOutbox, ProvideAccountMail, ProvideAccountTokens, ProvideNotices, ProvideEraser, ProvideRunCanceller, ProvideEmailChanger)

// ProvideEmailChanger moves accounts to a new address once its link is used.
func ProvideEmailChanger(d *Database) auth.EmailChanger { return bunstore.NewUsers(d.Bun) }

// ProvideEraser deletes accounts with everything they own.
func ProvideEraser(d *Database) auth.AccountEraser { return bunstore.NewEraser(d.Bun) }

// ProvideRunCanceller cancels a deleted account's runs and their River
// jobs.
func ProvideRunCanceller(q *riverjob.Queue) auth.RunCanceller { return runCanceller{q: q} }

type runCanceller struct{ q *riverjob.Queue }

func (c runCanceller) CancelRun(ctx context.Context, runID string) error {
	if _, err := c.q.Cancel(ctx, runID); err != nil && !errors.Is(err, agents.ErrRunFinished) {
		return err
	}
	return nil
}

// KindAccount is the notification kind of account changes.
const KindAccount notify.Kind = "account.changed"

// ProvideMailer sends over SMTP when KPBOT_SMTP_URL is set; otherwise it
// writes every e-mail, link included, to the log (the quick start).
func ProvideMailer(cfg Config, logger *slog.Logger) (mail.Mailer, error) {
	if cfg.SMTPURL == "" {
		logger.Info("KPBOT_SMTP_URL is unset: account e-mails go to this log")
		return mail.LogMailer{Log: logger}, nil
	}
	m, err := smtpmail.New(smtpmail.Config{URL: cfg.SMTPURL, From: cfg.MailFrom})
	if err != nil {
		return nil, fmt.Errorf("KPBOT_SMTP_URL: %w", err)
	}
	return m, nil
}

// mailKeyInfo is the HKDF label of the key that seals e-mail jobs: it
// keeps the derived key apart from the JWT key and from any other key
// derived from the same secret.
const mailKeyInfo = "kpbot/mailjob/seal/v1"

// mailKeyID is the id stored in every sealed e-mail job. Changing
// KPBOT_JWT_SECRET changes the key under the same id: e-mails still queued
// then cannot be opened and are discarded (logged); their users ask for
// a new link.
const mailKeyID = 1

// ProvideMailKeys derives the key that seals e-mail jobs (and so the
// links in them, see docs/architecture.md) from the server's secret with
// HKDF-SHA-256 under its own label.
func ProvideMailKeys(secret Secret) (*mailjob.Keyring, error) {
	key, err := hkdf.Key(sha256.New, secret, nil, mailKeyInfo, mailjob.KeySize)
	if err != nil {
		return nil, fmt.Errorf("derive mail key: %w", err)
	}
	return mailjob.NewKeyring(mailjob.Key{ID: mailKeyID, Secret: key})
}

// ProvideOutbox is the River client of the e-mail queue, on the server's
// database. Serve starts it.
func ProvideOutbox(ctx context.Context, cfg Config, d *Database, m mail.Mailer, keys *mailjob.Keyring, logger *slog.Logger) (*mailjob.Outbox, error) {
	mc := mailjob.Config{Logger: logger, Keys: keys}
	if cfg.IsPostgres() {
		if err := riverjob.MigratePostgres(ctx, d.Pool); err != nil {
			return nil, err
		}
		return mailjob.NewPostgres(d.Pool, m, mc)
	}
	if err := riverjob.MigrateSQLite(ctx, d.Bun.DB); err != nil {
		return nil, err
	}
	return mailjob.NewSQLite(d.Bun.DB, m, mc)
}

// ProvideAccountMail renders account e-mails with links under
// KPBOT_PUBLIC_URL (default http://localhost and the listen port).
func ProvideAccountMail(cfg Config, out *mailjob.Outbox) (auth.Mailbox, error) {
	return mailjob.NewAccountMail(out, nil, publicURL(cfg))
}

// ProvideAccountTokens keeps the tokens of account e-mails.
func ProvideAccountTokens(d *Database) auth.AccountTokenStore {
	return bunstore.NewAccountTokens(d.Bun)
}

// ProvideNotices turns account changes into notifications.
func ProvideNotices(notes *notify.Service, logger *slog.Logger) auth.Notices {
	return notices{notes: notes, log: logger}
}

type notices struct {
	notes *notify.Service
	log   *slog.Logger
}

func (n notices) AccountNotice(ctx context.Context, userID, title, body string) {
	if _, err := n.notes.Notify(ctx, userID, KindAccount, title, body, nil); err != nil {
		n.log.WarnContext(ctx, "account notification", "user_id", userID, "err", err)
	}
}

func publicURL(cfg Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/")
	}
	_, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || port == "" {
		port = "8080"
	}
	return "http://localhost:" + port
}
