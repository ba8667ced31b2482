// Package mailjob delivers e-mail as River jobs: Enqueue seals the
// message (see Keyring), stores it in the database and returns, and a
// worker opens and sends it through a mail.Mailer, retrying with backoff
// while the server is unreachable. It also adapts auth.Mailbox: account
// e-mails rendered from mail templates with links under a public URL.
package mailjob

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivertype"

	"github.com/kpbot/kpbot/mail"
)

// Defaults of Config.
const (
	DefaultQueue       = "kpbot_mail"
	DefaultWorkers     = 2
	DefaultMaxAttempts = 12
	DefaultRetryDelay  = 10 * time.Second
	DefaultMaxDelay    = time.Hour
	DefaultSendTimeout = time.Minute
)

// Config tunes an Outbox. Zero fields take the defaults, except Keys,
// which is required.
type Config struct {
	// Keys seals every message before it is stored in a job and opens it
	// in the worker, so account links never sit readable in the job
	// table. Required: every instance sharing the queue needs the same
	// keys.
	Keys *Keyring
	// Queue is the River queue of e-mail jobs; default "kpbot_mail", apart
	// from the runs' queue so a slow mail server never holds up a run.
	Queue string
	// Workers is how many e-mails one process sends at once; default 2.
	Workers int
	// MaxAttempts is how many times a message is tried before it is
	// discarded; default 12 (about a day with the default delays).
	MaxAttempts int
	// RetryDelay is the wait before the first retry, doubling with each
	// attempt up to MaxDelay; defaults 10 s and 1 h.
	RetryDelay, MaxDelay time.Duration
	// SendTimeout bounds one attempt; default 1 min.
	SendTimeout time.Duration
	// FetchPollInterval is how often an idle client looks for jobs when
	// no notification arrives; default River's.
	FetchPollInterval time.Duration
	// Logger gets River's and the Outbox's logs; default slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.Queue == "" {
		c.Queue = DefaultQueue
	}
	if c.Workers <= 0 {
		c.Workers = DefaultWorkers
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = DefaultMaxDelay
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = DefaultSendTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Args are an e-mail job's arguments: the rendered message, sealed by the
// Outbox's Keyring (base64url of version, key id, nonce and ciphertext).
type Args struct {
	Sealed string `json:"sealed"`
	// malformed is set when the stored arguments were not of this shape:
	// the worker cancels such a job instead of River retrying it.
	malformed bool
}

// UnmarshalJSON reads stored arguments and never fails: arguments that
// are not an object with a string "sealed" mark the job malformed, which
// the worker cancels (River would retry an unmarshalling error).
func (a *Args) UnmarshalJSON(b []byte) error {
	var w struct {
		Sealed string `json:"sealed"`
	}
	if err := json.Unmarshal(b, &w); err != nil {
		*a = Args{malformed: true}
		return nil //nolint:nilerr // reported by the worker, see above
	}
	*a = Args{Sealed: w.Sealed}
	return nil
}

// Kind names the job kind.
func (Args) Kind() string { return "kpbot_mail" }

type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// Outbox queues and sends e-mail.
type Outbox struct {
	cfg    Config
	mailer mail.Mailer
	client client
}

// NewSQLite returns an Outbox on the SQLite database db (River's tables
// must exist: riverjob.MigrateSQLite).
func NewSQLite(db *sql.DB, mailer mail.Mailer, cfg Config) (*Outbox, error) {
	o, rcfg, err := newOutbox(mailer, cfg)
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(riversqlite.New(db), rcfg)
	if err != nil {
		return nil, fmt.Errorf("mailjob: new SQLite client: %w", err)
	}
	o.client = c
	return o, nil
}

// NewPostgres returns an Outbox on pool (River's tables must exist:
// riverjob.MigratePostgres).
func NewPostgres(pool *pgxpool.Pool, mailer mail.Mailer, cfg Config) (*Outbox, error) {
	o, rcfg, err := newOutbox(mailer, cfg)
	if err != nil {
		return nil, err
	}
	c, err := river.NewClient(riverpgxv5.New(pool), rcfg)
	if err != nil {
		return nil, fmt.Errorf("mailjob: new PostgreSQL client: %w", err)
	}
	o.client = c
	return o, nil
}

func newOutbox(mailer mail.Mailer, cfg Config) (*Outbox, *river.Config, error) {
	switch {
	case mailer == nil:
		return nil, nil, errors.New("mailjob: nil Mailer")
	case cfg.Keys == nil:
		return nil, nil, errors.New("mailjob: Config.Keys is required: messages are sealed in the job table")
	}
	cfg = cfg.withDefaults()
	o := &Outbox{cfg: cfg, mailer: mailer}
	workers := river.NewWorkers()
	river.AddWorker(workers, &worker{o: o})
	return o, &river.Config{
		Queues:            map[string]river.QueueConfig{cfg.Queue: {MaxWorkers: cfg.Workers}},
		Workers:           workers,
		MaxAttempts:       cfg.MaxAttempts,
		JobTimeout:        cfg.SendTimeout,
		RetryPolicy:       backoff{base: cfg.RetryDelay, max: cfg.MaxDelay},
		FetchPollInterval: cfg.FetchPollInterval,
		Logger:            cfg.Logger,
	}, nil
}

// Start starts sending queued e-mail until Stop or ctx's end.
func (o *Outbox) Start(ctx context.Context) error {
	if err := o.client.Start(ctx); err != nil {
		return fmt.Errorf("mailjob: start: %w", err)
	}
	return nil
}

// Stop stops fetching e-mail and waits for sends in progress, or ctx.
func (o *Outbox) Stop(ctx context.Context) error {
	if err := o.client.Stop(ctx); err != nil {
		return fmt.Errorf("mailjob: stop: %w", err)
	}
	return nil
}

// Enqueue seals m, stores it as a job and returns; it never waits for
// the mail server.
func (o *Outbox) Enqueue(ctx context.Context, m mail.Message) error {
	if err := m.Validate(); err != nil {
		return err
	}
	sealed, err := o.cfg.Keys.seal(m)
	if err != nil {
		return err
	}
	if _, err := o.client.Insert(ctx, Args{Sealed: sealed}, &river.InsertOpts{Queue: o.cfg.Queue, MaxAttempts: o.cfg.MaxAttempts}); err != nil {
		return fmt.Errorf("mailjob: enqueue: %w", err)
	}
	return nil
}

type worker struct {
	river.WorkerDefaults[Args]
	o *Outbox
}

func (w *worker) Work(ctx context.Context, job *river.Job[Args]) error {
	m, err := w.o.cfg.Keys.open(job.Args.Sealed)
	if job.Args.malformed || err != nil {
		// Retrying cannot help: the key is not configured here or the row
		// was altered. Nothing of the message is known, so nothing leaks.
		w.o.cfg.Logger.ErrorContext(ctx, "mail job discarded: its sealed message cannot be opened (a key missing from mailjob.Config.Keys, or altered job arguments)",
			"job_id", job.ID, "key_id", keyID(job.Args.Sealed), "malformed_args", job.Args.malformed)
		return river.JobCancel(ErrUnsealable)
	}
	err = w.o.mailer.Send(ctx, m)
	if err == nil {
		return nil
	}
	if verr := m.Validate(); verr != nil {
		return river.JobCancel(fmt.Errorf("undeliverable: %w", verr))
	}
	// The error names the server and recipient, never the body (links).
	w.o.cfg.Logger.WarnContext(ctx, "mail not sent; will retry", "job_id", job.ID, "attempt", job.Attempt, "error", err.Error())
	return err
}

// backoff waits base, 2·base, 4·base, … up to max between attempts.
type backoff struct{ base, max time.Duration }

func (b backoff) NextRetry(job *rivertype.JobRow) time.Time {
	d := b.base
	for i := 1; i < job.Attempt && d < b.max; i++ {
		d *= 2
	}
	return time.Now().Add(min(d, b.max))
}

// ErrNoRecipient is returned for an account e-mail without an address.
var ErrNoRecipient = errors.New("mailjob: no recipient")
