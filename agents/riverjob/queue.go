package riverjob

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/report"
	"github.com/kpbot/kpbot/storage"
)

// Defaults of Config.
const (
	DefaultQueue          = "kpbot_runs"
	DefaultMaxRunsTotal   = 4
	DefaultMaxRunsPerUser = 2
	DefaultMaxAttempts    = 5
	DefaultRetryDelay     = 5 * time.Second
	DefaultRescueAfter    = time.Hour
)

// Config tunes a Queue. Zero fields take the defaults.
type Config struct {
	// Queue is the River queue runs go to; default "kpbot_runs".
	Queue string
	// MaxRunsTotal is how many runs one process executes at once (River's
	// MaxWorkers); more wait in the queue. Default 4.
	MaxRunsTotal int
	// MaxRunsPerUser is how many queued or running runs one owner may
	// have; Submit refuses more with *agents.RunLimitError. Default 2;
	// negative means no limit.
	MaxRunsPerUser int
	// MaxAttempts is how many times a run's job is tried before the run
	// is failed; default 5.
	MaxAttempts int
	// RetryDelay is the wait before the first retry of an interrupted run,
	// doubling with each attempt up to 32 times it; default 5 s.
	RetryDelay time.Duration
	// RescueAfter is how long River's rescuer waits before it finalizes a
	// job left "running" by a dead process once that job has been marked
	// cancelled (the reaper cancels the jobs of the runs it takes over);
	// default 1 h. It does not decide when a run is taken over: leases do
	// (agents.RunnerConfig.Lease and ReapInterval).
	RescueAfter time.Duration
	// FetchPollInterval is how often an idle client looks for new jobs
	// when no notification arrives; default River's (1 s).
	FetchPollInterval time.Duration
	// ReapInterval is how often every instance looks for runs whose
	// execution stopped renewing its lease (its process died): a run whose
	// job two looks in a row find running, with no live lease, is taken
	// over. Default a quarter of the runner's lease (agents.RunnerConfig.Lease).
	ReapInterval time.Duration
	// Logger gets River's and the Queue's logs; default slog.Default().
	Logger *slog.Logger
	// Reporter receives each failed attempt of a run's job and each job
	// discarded after its last attempt, with the run id (and the stack
	// of a panic); default report.NewLog(Logger).
	Reporter report.Reporter
	// Middleware wraps job inserts and work, e.g. otelriver's tracing
	// middleware; none by default.
	Middleware []rivertype.Middleware
}

func (c Config) withDefaults() Config {
	if c.Queue == "" {
		c.Queue = DefaultQueue
	}
	if c.MaxRunsTotal <= 0 {
		c.MaxRunsTotal = DefaultMaxRunsTotal
	}
	if c.MaxRunsPerUser == 0 {
		c.MaxRunsPerUser = DefaultMaxRunsPerUser
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.RetryDelay <= 0 {
		c.RetryDelay = DefaultRetryDelay
	}
	if c.RescueAfter <= 0 {
		c.RescueAfter = DefaultRescueAfter
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Reporter == nil {
		c.Reporter = report.NewLog(c.Logger)
	}
	return c
}

// RunArgs are the arguments of a run's job. Takeover is 0 for the job
// Submit inserts and counts up for each job the reaper inserts to take
// the run over, so each is a new unique job.
type RunArgs struct {
	RunID    string `json:"run_id" river:"unique"`
	Takeover int    `json:"takeover,omitempty" river:"unique"`
}

// Kind names the job kind.
func (RunArgs) Kind() string { return "kpbot_run" }

// client is the part of a river.Client the Queue uses, whatever its driver.
type client interface {
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
	StopAndCancel(ctx context.Context) error
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobCancel(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	JobGet(ctx context.Context, jobID int64) (*rivertype.JobRow, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
}

// Queue runs crew runs as River jobs.
type Queue struct {
	runner *agents.Runner
	store  agents.RunStore
	cfg    Config
	client client

	reapMu     sync.Mutex
	stopReaper func() // stops the reaper and waits for it; nil when not running
	suspects   map[int64]bool
}

// NewSQLite returns a Queue whose River client uses the SQLite database db
// (the one bun uses: pass bunDB.DB). Create River's tables first with
// MigrateSQLite.
func NewSQLite(db *sql.DB, runner *agents.Runner, cfg Config) (*Queue, error) {
	q, rcfg := newQueue(runner, cfg)
	c, err := river.NewClient(riversqlite.New(db), rcfg)
	if err != nil {
		return nil, fmt.Errorf("riverjob: new SQLite client: %w", err)
	}
	q.client = c
	return q, nil
}

// NewPostgres returns a Queue whose River client uses pool (the one bun
// uses). Create River's tables first with MigratePostgres.
func NewPostgres(pool *pgxpool.Pool, runner *agents.Runner, cfg Config) (*Queue, error) {
	q, rcfg := newQueue(runner, cfg)
	c, err := river.NewClient(riverpgxv5.New(pool), rcfg)
	if err != nil {
		return nil, fmt.Errorf("riverjob: new PostgreSQL client: %w", err)
	}
	q.client = c
	return q, nil
}

// MigrateSQLite creates or updates River's tables in db.
func MigrateSQLite(ctx context.Context, db *sql.DB) error {
	m, err := rivermigrate.New(riversqlite.New(db), nil)
	if err != nil {
		return fmt.Errorf("riverjob: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverjob: migrate SQLite: %w", err)
	}
	return nil
}

// MigratePostgres creates or updates River's tables in the pool's
// database (in its search_path schema). Instances started together take
// turns: River's migrator takes no lock of its own, so each holds a
// session advisory lock (per schema) on a connection of its own while it
// migrates; a crashed holder's lock goes with its connection.
func MigratePostgres(ctx context.Context, pool *pgxpool.Pool) error {
	lock, err := pgx.ConnectConfig(ctx, pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("riverjob: migration lock: connect: %w", err)
	}
	defer func() { _ = lock.Close(context.WithoutCancel(ctx)) }()
	if _, err := lock.Exec(ctx, "SELECT pg_advisory_lock(hashtext(current_schema() || '.river_migrate'))"); err != nil {
		return fmt.Errorf("riverjob: migration lock: %w", err)
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), nil)
	if err != nil {
		return fmt.Errorf("riverjob: migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("riverjob: migrate PostgreSQL: %w", err)
	}
	return nil // closing the lock connection releases the lock
}

func newQueue(runner *agents.Runner, cfg Config) (*Queue, *river.Config) {
	cfg = cfg.withDefaults()
	if cfg.ReapInterval <= 0 {
		cfg.ReapInterval = runner.Lease() / 4
	}
	q := &Queue{runner: runner, store: runner.Store(), cfg: cfg, suspects: map[int64]bool{}}
	workers := river.NewWorkers()
	river.AddWorker(workers, &runWorker{q: q})
	return q, &river.Config{
		Queues:               map[string]river.QueueConfig{cfg.Queue: {MaxWorkers: cfg.MaxRunsTotal}},
		Workers:              workers,
		MaxAttempts:          cfg.MaxAttempts,
		JobTimeout:           -1, // a run takes as long as it takes; Cancel stops it
		RescueStuckJobsAfter: cfg.RescueAfter,
		RetryPolicy:          retryPolicy{base: cfg.RetryDelay},
		FetchPollInterval:    cfg.FetchPollInterval,
		Logger:               cfg.Logger,
		Middleware:           cfg.Middleware,
	}
}

// Start starts working jobs, and the reaper that takes over runs of dead
// instances, until Stop, StopAndCancel or ctx's end (which, like
// StopAndCancel, cancels running jobs).
func (q *Queue) Start(ctx context.Context) error {
	if err := q.client.Start(ctx); err != nil {
		return fmt.Errorf("riverjob: start: %w", err)
	}
	q.reapMu.Lock()
	defer q.reapMu.Unlock()
	if q.stopReaper == nil {
		rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() {
			defer close(done)
			q.reapLoop(rctx, ctx.Done())
		}()
		q.stopReaper = func() { cancel(); <-done }
	}
	return nil
}

// haltReaper stops the reaper, if it runs.
func (q *Queue) haltReaper() {
	q.reapMu.Lock()
	stop := q.stopReaper
	q.stopReaper = nil
	q.reapMu.Unlock()
	if stop != nil {
		stop()
	}
}

// Stop stops fetching jobs and waits for running ones to finish, or for
// ctx to end.
func (q *Queue) Stop(ctx context.Context) error {
	q.haltReaper()
	if err := q.client.Stop(ctx); err != nil {
		return fmt.Errorf("riverjob: stop: %w", err)
	}
	return nil
}

// StopAndCancel stops fetching and cancels running jobs' contexts: their
// runs stay running with checkpoints saved and are retried later, by this
// process or another.
func (q *Queue) StopAndCancel(ctx context.Context) error {
	q.haltReaper()
	if err := q.client.StopAndCancel(ctx); err != nil {
		return fmt.Errorf("riverjob: stop and cancel: %w", err)
	}
	return nil
}

// Submit creates a queued run of brief and enqueues it. It refuses with
// an *agents.RunLimitError (errors.Is agents.ErrTooManyRuns) when the owner
// already has MaxRunsPerUser queued or running runs; the count and the
// insert are one step in the store, so racing submits never pass the
// limit together.
func (q *Queue) Submit(ctx context.Context, brief agents.Brief) (*agents.Run, error) {
	var run *agents.Run
	var err error
	if q.cfg.MaxRunsPerUser > 0 {
		run, err = q.runner.CreateWithin(ctx, brief, q.cfg.MaxRunsPerUser)
	} else {
		run, err = q.runner.Create(ctx, brief)
	}
	if err != nil {
		return nil, fmt.Errorf("submit run: %w", err)
	}
	jobID, err := q.enqueue(ctx, RunArgs{RunID: run.ID}, 0)
	if err != nil {
		reason := fmt.Sprintf("could not enqueue: %v", err)
		if _, ferr := q.runner.Fail(context.WithoutCancel(ctx), run.ID, reason); ferr != nil {
			q.cfg.Logger.Error("fail unqueued run", "run_id", run.ID, "err", ferr)
		}
		return nil, fmt.Errorf("submit run %s: %w", run.ID, err)
	}
	// The run as submitted: queued, whatever a worker may already be doing.
	run.JobID = jobID
	return run, nil
}

// Enqueue inserts the job of an existing active run and records its job
// ID on the run. Enqueueing a run whose job is already waiting or running
// adds nothing.
func (q *Queue) Enqueue(ctx context.Context, runID string) error {
	run, err := q.store.Get(ctx, runID)
	if err != nil {
		return fmt.Errorf("enqueue run %s: %w", runID, err)
	}
	if run.Status.Terminal() {
		return fmt.Errorf("enqueue run %s (%s): %w", runID, run.Status, agents.ErrRunFinished)
	}
	if run.JobID == 0 {
		_, err = q.enqueue(ctx, RunArgs{RunID: runID}, 0)
		return err
	}
	job, err := q.client.JobGet(ctx, run.JobID)
	switch {
	case errors.Is(err, rivertype.ErrNotFound):
	case err != nil:
		return fmt.Errorf("enqueue run %s: look up job %d: %w", runID, run.JobID, err)
	case !finalized(job.State):
		return nil // waiting or running already
	}
	// The run's job is gone or finished: a new one, unique like a takeover's.
	var args RunArgs
	if job != nil {
		_ = json.Unmarshal(job.EncodedArgs, &args)
	}
	_, err = q.enqueue(ctx, RunArgs{RunID: runID, Takeover: max(args.Takeover, run.Attempts) + 1}, run.JobID)
	return err
}

// finalized reports whether a job in state s will never run again.
func finalized(s rivertype.JobState) bool {
	return s == rivertype.JobStateCompleted || s == rivertype.JobStateCancelled || s == rivertype.JobStateDiscarded
}

// errSuperseded: the run's job was replaced while a new one was inserted.
var errSuperseded = errors.New("the run's job was replaced meanwhile")

// enqueue inserts args' job and records its ID on the run, unless the
// run's job is no longer replaces (when replaces is not 0); it returns the
// job's ID. Inserting is idempotent: River keeps one job per RunArgs.
func (q *Queue) enqueue(ctx context.Context, args RunArgs, replaces int64) (int64, error) {
	runID := args.RunID
	res, err := q.client.Insert(ctx, args, &river.InsertOpts{
		Queue:       q.cfg.Queue,
		MaxAttempts: q.cfg.MaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue run %s: %w", runID, err)
	}
	_, err = q.store.Update(ctx, runID, func(r *agents.Run) error {
		if replaces != 0 && r.JobID != replaces && r.JobID != res.Job.ID {
			return errSuperseded
		}
		r.JobID = res.Job.ID
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue run %s: record job %d: %w", runID, res.Job.ID, err)
	}
	return res.Job.ID, nil
}

// Cancel cancels an active run: it is marked cancelled at once (a
// finished run is agents.ErrRunFinished, HTTP 409), its job is cancelled
// in River, and its execution, here or in another process, stops within a
// second.
func (q *Queue) Cancel(ctx context.Context, runID string) (*agents.Run, error) {
	run, err := q.runner.Cancel(ctx, runID)
	if err != nil {
		return nil, err
	}
	if run.JobID != 0 {
		if _, err := q.client.JobCancel(ctx, run.JobID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
			// The run is cancelled and its runner notices by polling;
			// River would only run the job to find it finished.
			q.cfg.Logger.Warn("cancel run job", "run_id", runID, "job_id", run.JobID, "err", err)
		}
	}
	return run, nil
}

// retryPolicy retries after base, doubling per attempt, capped at 32×base.
type retryPolicy struct{ base time.Duration }

// NextRetry returns when the job's next attempt may start.
func (p retryPolicy) NextRetry(job *rivertype.JobRow) time.Time {
	n := min(max(job.Attempt-1, 0), 5)
	return time.Now().Add(p.base << n)
}

// runWorker executes a run's job.
type runWorker struct {
	river.WorkerDefaults[RunArgs]
	q *Queue
}

// Work executes (or resumes) the run. A run that ends (succeeded, failed,
// cancelled, or already finished) completes or cancels the job; an
// interrupted one returns the error so River retries it, and on the last
// attempt the run is failed. A run another live execution holds the lease
// of snoozes the job (no attempt counted) until that lease lapses; one
// whose lease another execution took over cancels the job, since that
// execution's job carries the run now. A panic is an error like any other.
func (w *runWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	runID := job.Args.RunID
	err := w.execute(ctx, runID)
	switch {
	case err == nil, errors.Is(err, agents.ErrRunFinished):
		return nil
	case errors.Is(err, agents.ErrRunCancelled), errors.Is(err, agents.ErrRunFailed), errors.Is(err, agents.ErrLeaseLost):
		return river.JobCancel(err)
	case errors.Is(err, agents.ErrLeaseHeld):
		return river.JobSnooze(w.q.cfg.ReapInterval)
	case errors.Is(err, storage.ErrNotFound):
		// The run is gone (its campaign or account was deleted): there
		// is nothing to retry.
		return river.JobCancel(err)
	}
	if ctx.Err() != nil {
		return err // stopping: the job is retried, nothing failed
	}
	ev := report.Event{ErrorID: report.NewID(), RunID: runID, Err: err}
	if run, gerr := w.q.store.Get(ctx, runID); gerr == nil {
		ev.UserID = run.OwnerID
	}
	var pe *panicError
	if errors.As(err, &pe) {
		ev.Panic, ev.Stack, ev.Err = pe.value, pe.stack, nil
	}
	if job.Attempt >= job.MaxAttempts {
		ev.Message = "run job discarded"
		w.q.cfg.Reporter.Report(ctx, ev)
		reason := fmt.Sprintf("gave up after %d attempts: %v", job.Attempt, err)
		if _, ferr := w.q.runner.Fail(context.WithoutCancel(ctx), runID, reason); ferr != nil && !errors.Is(ferr, agents.ErrRunFinished) {
			w.q.cfg.Reporter.Report(ctx, report.Event{Message: "fail run", Err: ferr, ErrorID: report.NewID(), RunID: runID, UserID: ev.UserID})
		}
		return river.JobCancel(err)
	}
	ev.Message = "run job failed; retrying"
	w.q.cfg.Reporter.Report(ctx, ev)
	return err
}

// panicError is a panic of a run's execution, with its stack.
type panicError struct {
	runID string
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("run %s panicked: %v", e.runID, e.value) }

// execute runs the run, turning a panic into an error.
func (w *runWorker) execute(ctx context.Context, runID string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = &panicError{runID: runID, value: p, stack: debug.Stack()}
		}
	}()
	return w.q.runner.Execute(ctx, runID)
}
