package agents

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
)

// Runner defaults.
const (
	DefaultCancelPollInterval = 200 * time.Millisecond
	DefaultProgressInterval   = 250 * time.Millisecond
	// DefaultLease is how long an execution's lease on its run lasts
	// without renewal; see RunnerConfig.Lease.
	DefaultLease = 15 * time.Second
)

// RunnerConfig tunes a Runner. Zero fields take the defaults.
type RunnerConfig struct {
	// CancelPollInterval is how often an executing run rereads its status
	// to notice a cancel made by another process; default 200 ms.
	CancelPollInterval time.Duration
	// ProgressInterval is the least time between two saved progress
	// updates (and run.progress events) within a task; default 250 ms.
	ProgressInterval time.Duration
	// Lease is how long an execution's lease on its run lasts unless
	// renewed. An executing run renews it every Lease/3; when renewals
	// fail for 2/3 of Lease the execution stops itself (it has lost the
	// database), and once the lease lapses another execution may acquire
	// it and resume the run. Default 15 s.
	Lease time.Duration
	// Instance names this process in lease holders ("instance/uuid"), so
	// the run's row tells which process executes it; default "host:pid".
	Instance string
	// Logger gets event-delivery and bookkeeping errors; default slog.Default().
	Logger *slog.Logger
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Runner executes runs of one crew: it runs the tasks in order, keeps the
// run's status, progress, steps and stats in the RunStore, emits its
// events, notices cancellation and resumes an interrupted run from its last
// checkpoint. It is safe for concurrent use; several runs may execute at
// once, each with its own events.
type Runner struct {
	crew   Crew
	store  RunStore
	events EventSink
	cfg    RunnerConfig

	mu      sync.Mutex
	running map[string]context.CancelCauseFunc
}

// NewRunner returns a Runner of crew over store, emitting to events.
func NewRunner(crew Crew, store RunStore, events EventSink, cfg RunnerConfig) (*Runner, error) {
	if len(crew.Tasks) == 0 {
		return nil, errors.New("new runner: the crew has no tasks")
	}
	seen := map[string]bool{}
	for i, t := range crew.Tasks {
		if t.Name == "" || t.Run == nil || seen[t.Name] {
			return nil, fmt.Errorf("new runner: task %q needs a unique name and a Run func", t.Name)
		}
		seen[t.Name] = true
		if t.Feeds && (t.Checkpoint || i == len(crew.Tasks)-1 || crew.Tasks[i+1].Feeds) {
			return nil, fmt.Errorf("new runner: task %q feeds the next task, so it cannot checkpoint, be last or feed a task that feeds", t.Name)
		}
	}
	if store == nil || events == nil {
		return nil, errors.New("new runner: store and events are required")
	}
	if cfg.CancelPollInterval <= 0 {
		cfg.CancelPollInterval = DefaultCancelPollInterval
	}
	if cfg.ProgressInterval <= 0 {
		cfg.ProgressInterval = DefaultProgressInterval
	}
	if cfg.Lease <= 0 {
		cfg.Lease = DefaultLease
	}
	if cfg.Instance == "" {
		host, _ := os.Hostname()
		cfg.Instance = host + ":" + strconv.Itoa(os.Getpid())
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Runner{crew: crew, store: store, events: events, cfg: cfg, running: map[string]context.CancelCauseFunc{}}, nil
}

// Crew returns the crew the Runner executes.
func (r *Runner) Crew() Crew { return r.crew }

// Store returns the Runner's RunStore.
func (r *Runner) Store() RunStore { return r.store }

// Lease returns how long an execution's lease on its run lasts unless
// renewed (RunnerConfig.Lease).
func (r *Runner) Lease() time.Duration { return r.cfg.Lease }

func (r *Runner) now() time.Time { return r.cfg.Now().UTC().Truncate(time.Microsecond) }

// NewRun returns an unsaved queued run of brief with a fresh ID and one
// pending step per task.
func (r *Runner) NewRun(brief Brief) (*Run, error) {
	if err := brief.Validate(); err != nil {
		return nil, fmt.Errorf("new run: %w", err)
	}
	steps := make([]Step, len(r.crew.Tasks))
	for i, t := range r.crew.Tasks {
		steps[i] = Step{Name: t.Name, Status: StepPending}
		if t.Agent != nil {
			steps[i].Agent = t.Agent.Name
		}
	}
	return &Run{
		ID:         uuid.Must(uuid.NewV7()).String(),
		CampaignID: brief.CampaignID,
		OwnerID:    brief.OwnerID,
		Status:     RunQueued,
		Steps:      steps,
		Brief:      brief,
		CreatedAt:  r.now(),
	}, nil
}

// Create saves a new queued run of brief and emits run.queued. It does not
// start it: hand the ID to a job queue, or call Execute.
func (r *Runner) Create(ctx context.Context, brief Brief) (*Run, error) {
	run, err := r.NewRun(brief)
	if err != nil {
		return nil, err
	}
	if err := r.store.Create(ctx, run); err != nil {
		return nil, fmt.Errorf("create run of campaign %s: %w", brief.CampaignID, err)
	}
	r.emit(ctx, run, EventRunQueued, r.runData(run, false))
	return run, nil
}

// CreateWithin is Create, refused with a *RunLimitError when the brief's
// owner already has maxActive queued or running runs.
func (r *Runner) CreateWithin(ctx context.Context, brief Brief, maxActive int) (*Run, error) {
	run, err := r.NewRun(brief)
	if err != nil {
		return nil, err
	}
	if err := r.store.CreateWithin(ctx, run, maxActive); err != nil {
		return nil, fmt.Errorf("create run of campaign %s: %w", brief.CampaignID, err)
	}
	r.emit(ctx, run, EventRunQueued, r.runData(run, false))
	return run, nil
}

// Cancel marks an active run cancelled, emits run.cancelled and interrupts
// it if it executes in this process (elsewhere it notices within
// CancelPollInterval). A finished run is ErrRunFinished.
func (r *Runner) Cancel(ctx context.Context, runID string) (*Run, error) {
	run, err := r.store.Update(ctx, runID, func(run *Run) error {
		if run.Status.Terminal() {
			return fmt.Errorf("cancel run %s (%s): %w", runID, run.Status, ErrRunFinished)
		}
		now := r.now()
		run.Status = RunCancelled
		run.FinishedAt = &now
		run.Error, run.FailureKind = "cancelled on request", FailureCancelled
		for i := range run.Steps {
			if run.Steps[i].Status == StepRunning || run.Steps[i].Status == StepPending {
				run.Steps[i].Status = StepCancelled
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrRunFinished) {
			return nil, err
		}
		return nil, fmt.Errorf("cancel run %s: %w", runID, err)
	}
	r.emit(ctx, run, EventRunCancelled, r.runData(run, false))
	r.interrupt(runID)
	return run, nil
}

// Fail marks an active run failed with reason (FailureInternal) and emits
// run.failed, for a job queue that gives up on it (attempts exhausted). A
// finished run is ErrRunFinished.
func (r *Runner) Fail(ctx context.Context, runID, reason string) (*Run, error) {
	run, err := r.store.Update(ctx, runID, func(run *Run) error {
		if run.Status.Terminal() {
			return fmt.Errorf("fail run %s (%s): %w", runID, run.Status, ErrRunFinished)
		}
		now := r.now()
		run.Status, run.Error, run.FailureKind, run.FinishedAt = RunFailed, reason, FailureInternal, &now
		for i := range run.Steps {
			if run.Steps[i].Status == StepRunning {
				run.Steps[i].Status, run.Steps[i].Error, run.Steps[i].FinishedAt = StepFailed, reason, &now
			}
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrRunFinished) {
			return nil, err
		}
		return nil, fmt.Errorf("fail run %s: %w", runID, err)
	}
	r.emit(ctx, run, EventRunFailed, r.runData(run, false))
	r.interrupt(runID)
	return run, nil
}

// interrupt cancels the run's execution in this process, if any.
func (r *Runner) interrupt(runID string) bool {
	r.mu.Lock()
	cancel := r.running[runID]
	r.mu.Unlock()
	if cancel != nil {
		cancel(ErrRunCancelled)
	}
	return cancel != nil
}

// runData is the data of the run's status events: the run as stored,
// with its owner and failure kind for the events' consumers.
func (r *Runner) runData(run *Run, resumed bool) RunEventData {
	return RunEventData{RunID: run.ID, OwnerID: run.OwnerID, Status: run.Status, Progress: run.Progress, Stats: run.Stats,
		Error: run.Error, FailureKind: run.FailureKind, Resumed: resumed}
}

func (r *Runner) emit(ctx context.Context, run *Run, name string, data any) {
	if err := r.events.Emit(context.WithoutCancel(ctx), run.ID, run.CampaignID, name, data); err != nil {
		r.cfg.Logger.Error("emit run event", "run_id", run.ID, "event", name, "err", err)
	}
}

// Execute runs (or resumes) the run's tasks in order and returns when it
// has succeeded (nil), failed (ErrRunFailed), been cancelled
// (ErrRunCancelled) or was already finished (ErrRunFinished). When ctx
// ends first (a shutdown), the run is left running with its checkpoints
// saved and the context's error is returned: executing it again resumes it.
//
// An execution holds the run's lease (RunStore.AcquireLease) throughout
// and renews it every Lease/3; another live execution's lease is
// ErrLeaseHeld, and nothing runs. Every write of the run is fenced by the
// lease (UpdateLeased): once another execution has taken a lapsed lease
// over, this one stops without writing and returns ErrLeaseLost. One that
// cannot renew for 2/3 of Lease stops as if interrupted, before anyone
// may take its lease. The lease is released when Execute returns. A run's
// progress never goes below what it had stored when the execution began.
func (r *Runner) Execute(ctx context.Context, runID string) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	r.mu.Lock()
	if _, dup := r.running[runID]; dup {
		r.mu.Unlock()
		return fmt.Errorf("execute run %s: already executing in this process", runID)
	}
	r.running[runID] = cancel
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.running, runID)
		r.mu.Unlock()
	}()

	holder := r.cfg.Instance + "/" + uuid.NewString()
	if err := r.store.AcquireLease(ctx, runID, holder, r.cfg.Lease); err != nil {
		return fmt.Errorf("execute run %s: %w", runID, err)
	}
	ex := newExecution(r, runID, holder, cancel)
	stopWatch := ex.watch(ctx)
	defer func() {
		stopWatch()
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := r.store.ReleaseLease(rctx, runID, holder); err != nil {
			r.cfg.Logger.Warn("release run lease", "run_id", runID, "err", err)
		}
	}()

	run, resumed, err := ex.begin(ctx)
	if err != nil {
		return err
	}
	r.emit(ctx, run, EventRunStarted, r.runData(run, resumed))
	return ex.finish(ctx, ex.runTasks(ctx, resumed))
}
