package agents

import (
	"context"
	"encoding/json"
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
		run.Error = "cancelled on request"
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

// Fail marks an active run failed with reason and emits run.failed, for a
// job queue that gives up on it (attempts exhausted). A finished run is
// ErrRunFinished.
func (r *Runner) Fail(ctx context.Context, runID, reason string) (*Run, error) {
	run, err := r.store.Update(ctx, runID, func(run *Run) error {
		if run.Status.Terminal() {
			return fmt.Errorf("fail run %s (%s): %w", runID, run.Status, ErrRunFinished)
		}
		now := r.now()
		run.Status, run.Error, run.FinishedAt = RunFailed, reason, &now
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

func (r *Runner) runData(run *Run, resumed bool) RunEventData {
	return RunEventData{RunID: run.ID, Status: run.Status, Progress: run.Progress, Stats: run.Stats, Error: run.Error, Resumed: resumed}
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
	var leaseWG sync.WaitGroup
	leaseDone := make(chan struct{})
	leaseWG.Add(1)
	go func() {
		defer leaseWG.Done()
		r.keepLease(ctx, runID, holder, cancel, leaseDone)
	}()
	defer func() {
		close(leaseDone)
		leaseWG.Wait()
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer rcancel()
		if err := r.store.ReleaseLease(rctx, runID, holder); err != nil {
			r.cfg.Logger.Warn("release run lease", "run_id", runID, "err", err)
		}
	}()

	var resumed bool
	run, err := r.store.UpdateLeased(ctx, runID, holder, func(run *Run) error {
		if run.Status.Terminal() {
			return fmt.Errorf("execute run %s (%s): %w", runID, run.Status, ErrRunFinished)
		}
		resumed = run.Attempts > 0
		run.Status = RunRunning
		run.Attempts++
		if run.StartedAt == nil {
			now := r.now()
			run.StartedAt = &now
		}
		r.alignSteps(run)
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrRunFinished) {
			return err
		}
		return fmt.Errorf("start run %s: %w", runID, err)
	}
	r.emit(ctx, run, EventRunStarted, r.runData(run, resumed))

	watchDone := make(chan struct{})
	defer close(watchDone)
	go r.watchCancel(ctx, runID, cancel, watchDone)

	ex := newExecution(r, run, holder, cancel)
	var taskErr error
	for i := resumeIndex(run.Steps); i < len(r.crew.Tasks); i++ {
		if r.crew.Tasks[i].Feeds {
			taskErr = ex.runFed(ctx, i, resumed)
			i++
		} else {
			taskErr = ex.runTask(ctx, i, resumed)
		}
		if taskErr != nil {
			break
		}
	}
	return r.finish(ctx, ex, taskErr)
}

// alignSteps makes run.Steps list the crew's tasks in order, keeping the
// state of steps it already has.
func (r *Runner) alignSteps(run *Run) {
	steps := make([]Step, len(r.crew.Tasks))
	for i, t := range r.crew.Tasks {
		if old := run.Step(t.Name); old != nil {
			steps[i] = *old
		} else {
			steps[i] = Step{Name: t.Name, Status: StepPending}
		}
		if t.Agent != nil {
			steps[i].Agent = t.Agent.Name
		}
		if !t.Checkpoint {
			steps[i].Output = nil
		}
	}
	run.Steps = steps
}

// resumeIndex is the first task to run: the one after the last succeeded
// step that saved a checkpoint.
func resumeIndex(steps []Step) int {
	start := 0
	for i, s := range steps {
		if s.Status == StepSucceeded && s.Output != nil {
			start = i + 1
		}
	}
	return start
}

// watchCancel polls the run's status and interrupts the execution once the
// run is finished by someone else (a cancel from another process).
func (r *Runner) watchCancel(ctx context.Context, runID string, cancel context.CancelCauseFunc, done <-chan struct{}) {
	t := time.NewTicker(r.cfg.CancelPollInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-t.C:
		}
		run, err := r.store.Get(ctx, runID)
		if err != nil {
			if ctx.Err() == nil {
				r.cfg.Logger.Warn("poll run status", "run_id", runID, "err", err)
			}
			continue
		}
		if run.Status.Terminal() {
			cancel(ErrRunCancelled)
			return
		}
	}
}

// errLeaseLapsed stops an execution that could not renew its lease.
var errLeaseLapsed = errors.New("run lease not renewed: the run store did not answer")

// keepLease renews the execution's lease every Lease/3 until done. When
// another execution has taken the lease, it stops the execution with
// ErrLeaseLost. A renewal may take until 2/3 of Lease after the start of
// the last one that succeeded; past that, the execution stops itself with
// errLeaseLapsed, a third of Lease before the lease may lapse and be
// taken. It measures with the monotonic clock, not RunnerConfig.Now.
func (r *Runner) keepLease(ctx context.Context, runID, holder string, cancel context.CancelCauseFunc, done <-chan struct{}) {
	every := r.cfg.Lease / 3
	t := time.NewTicker(every)
	defer t.Stop()
	lastOK := time.Now() // the lease was acquired just before
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-t.C:
		}
		start := time.Now()
		deadline := lastOK.Add(r.cfg.Lease - every)
		rctx, rcancel := context.WithDeadline(ctx, deadline)
		err := r.store.RenewLease(rctx, runID, holder, r.cfg.Lease)
		rcancel()
		switch {
		case err == nil:
			lastOK = start
		case errors.Is(err, ErrLeaseLost):
			r.cfg.Logger.Warn("run lease taken over; stopping this execution", "run_id", runID, "holder", holder)
			cancel(ErrLeaseLost)
			return
		case ctx.Err() != nil:
			return
		default:
			r.cfg.Logger.Warn("renew run lease", "run_id", runID, "err", err)
			if !time.Now().Before(deadline) {
				cancel(errLeaseLapsed)
				return
			}
		}
	}
}

// finish records how the execution ended.
func (r *Runner) finish(ctx context.Context, ex *execution, taskErr error) error {
	saveCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	cause := context.Cause(ctx)
	switch {
	case errors.Is(cause, ErrLeaseLost) || errors.Is(taskErr, ErrLeaseLost):
		// Another execution has the run now: write nothing more.
		return fmt.Errorf("run %s: %w", ex.runID, ErrLeaseLost)
	case taskErr == nil:
		run, err := ex.save(saveCtx, func(run *Run) error {
			if run.Status.Terminal() {
				return ErrRunCancelled
			}
			now := r.now()
			run.Status, run.Progress, run.FinishedAt = RunSucceeded, 1, &now
			return nil
		})
		if errors.Is(err, ErrRunCancelled) {
			return fmt.Errorf("run %s: %w", ex.runID, ErrRunCancelled)
		}
		if err != nil {
			return fmt.Errorf("finish run %s: %w", ex.runID, err)
		}
		r.emit(ctx, run, EventRunSucceeded, r.runData(run, false))
		return nil
	case ctx.Err() != nil && errors.Is(cause, ErrRunCancelled):
		// Cancel already set the status and emitted run.cancelled; keep
		// what the tasks counted.
		_, err := ex.save(saveCtx, func(*Run) error { return nil })
		if err != nil {
			r.cfg.Logger.Warn("save cancelled run", "run_id", ex.runID, "err", err)
		}
		return fmt.Errorf("run %s: %w", ex.runID, ErrRunCancelled)
	case ctx.Err() != nil:
		// Interrupted from outside (shutdown, crash of the worker): leave
		// the run running so the next execution resumes it.
		_, err := ex.save(saveCtx, func(run *Run) error {
			for i := range run.Steps {
				if s := &run.Steps[i]; s.Status == StepRunning {
					s.Status, s.Error = StepPending, "interrupted: "+cause.Error()
				}
			}
			return nil
		})
		if err != nil {
			r.cfg.Logger.Warn("save interrupted run", "run_id", ex.runID, "err", err)
		}
		return fmt.Errorf("run %s interrupted: %w", ex.runID, cause)
	default:
		msg := taskErr.Error()
		run, err := ex.save(saveCtx, func(run *Run) error {
			if run.Status.Terminal() {
				return ErrRunCancelled
			}
			now := r.now()
			run.Status, run.Error, run.FinishedAt = RunFailed, msg, &now
			s := &run.Steps[ex.cur]
			s.Status, s.Error, s.FinishedAt = StepFailed, msg, &now
			return nil
		})
		if errors.Is(err, ErrRunCancelled) {
			return fmt.Errorf("run %s: %w", ex.runID, ErrRunCancelled)
		}
		if err != nil {
			return fmt.Errorf("record failure of run %s (%s): %w", ex.runID, msg, err)
		}
		r.emit(ctx, run, EventRunFailed, r.runData(run, false))
		return fmt.Errorf("run %s: %w: %s", ex.runID, ErrRunFailed, msg)
	}
}

// lastFlush is when and at what progress the run was last saved.
type lastFlush struct {
	at       time.Time
	progress float64
}

func newExecution(r *Runner, run *Run, holder string, stop context.CancelCauseFunc) *execution {
	ex := &execution{runner: r, runID: run.ID, run: run, holder: holder, stop: stop,
		outMem: map[string]any{}, index: map[string]int{}, pipes: map[string]chan any{}}
	var total float64
	for _, t := range r.crew.Tasks {
		w := t.Weight
		if w <= 0 {
			w = 1
		}
		ex.weight = append(ex.weight, w)
		total += w
	}
	for i := range ex.weight {
		ex.weight[i] /= total
	}
	for i, t := range r.crew.Tasks {
		ex.index[t.Name] = i
	}
	return ex
}

// runTask runs task i and records its step.
func (ex *execution) runTask(ctx context.Context, i int, resumed bool) error {
	if err := ex.startStep(ctx, i); err != nil {
		return err
	}
	task := ex.runner.crew.Tasks[i]
	tc := ex.taskContext(task.Name, resumed)
	if err := task.Run(ctx, tc); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%s: %w", task.Name, err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return ex.finishStep(ctx, i)
}

// taskContext is the TaskContext of task in this execution.
func (ex *execution) taskContext(task string, resumed bool) *TaskContext {
	return &TaskContext{RunID: ex.runID, Brief: ex.run.Brief, Resumed: resumed, task: task, exec: ex}
}

// pipeBuffer is how many items a feeding task may send ahead of the task
// it feeds.
const pipeBuffer = 64

// runFed runs the feeding task i alongside task i+1, which reads what i
// sends (Receive) while it runs. The feeding task's step ends when it
// returns; task i+1's step succeeds (and checkpoints) only once both have
// succeeded. When task i+1 returns first or fails, task i is stopped; when
// task i fails, the pair fails on i's step with i's error.
func (ex *execution) runFed(ctx context.Context, i int, resumed bool) error {
	feeder, reader := ex.runner.crew.Tasks[i], ex.runner.crew.Tasks[i+1]
	pipe := make(chan any, pipeBuffer)
	ex.mu.Lock()
	ex.pipes[feeder.Name] = pipe
	ex.mu.Unlock()
	if err := ex.startStep(ctx, i); err != nil {
		return err
	}
	fctx, stopFeeder := context.WithCancelCause(ctx)
	defer stopFeeder(nil)
	// failed is the feeding task's own failure: an error it returned
	// before anyone stopped it.
	failed := make(chan error, 1)
	go func() {
		defer close(pipe)
		tc := ex.taskContext(feeder.Name, resumed)
		err := feeder.Run(fctx, tc)
		stopped := fctx.Err() != nil
		if err == nil && !stopped {
			ex.mu.Lock()
			now := ex.runner.now()
			s := &ex.run.Steps[i]
			s.Status, s.FinishedAt = StepSucceeded, &now
			ex.mu.Unlock()
		}
		if stopped {
			err = nil
		}
		failed <- err
	}()

	if err := ex.startStep(ctx, i+1); err != nil {
		stopFeeder(err)
		_ = <-failed // the feeder stops because of err; its own error adds nothing
		return err
	}
	tc := ex.taskContext(reader.Name, resumed)
	readErr := reader.Run(ctx, tc)
	stopFeeder(errFedDone)
	feedErr := <-failed
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case readErr != nil:
		return fmt.Errorf("%s: %w", reader.Name, readErr)
	case feedErr != nil:
		ex.mu.Lock()
		now := ex.runner.now()
		s := &ex.run.Steps[i+1]
		s.Status, s.FinishedAt, s.Error = StepFailed, &now, "stopped: "+feeder.Name+" failed"
		ex.cur = i // the run fails on the feeding task's step
		ex.mu.Unlock()
		return fmt.Errorf("%s: %w", feeder.Name, feedErr)
	}
	ex.mu.Lock()
	if s := &ex.run.Steps[i]; s.Status == StepRunning {
		// Stopped because its reader had all it needed: done too.
		now := ex.runner.now()
		s.Status, s.FinishedAt = StepSucceeded, &now
	}
	ex.mu.Unlock()
	return ex.finishStep(ctx, i+1)
}

// errFedDone stops a feeding task whose reader has returned.
var errFedDone = errors.New("the fed task has finished")

// startStep marks task i's step running and saves it.
func (ex *execution) startStep(ctx context.Context, i int) error {
	task := ex.runner.crew.Tasks[i]
	ex.mu.Lock()
	ex.cur, ex.frac = i, 0
	now := ex.runner.now()
	s := &ex.run.Steps[i]
	s.Status, s.StartedAt, s.FinishedAt, s.Error, s.Output = StepRunning, &now, nil, "", nil
	s.Stats = map[string]int{}
	ex.advance()
	ex.mu.Unlock()
	if _, err := ex.save(ctx, nil); err != nil {
		return fmt.Errorf("start step %s: %w", task.Name, err)
	}
	return nil
}

// finishStep marks task i's step succeeded (with its checkpoint), saves
// it and emits the run's progress.
func (ex *execution) finishStep(ctx context.Context, i int) error {
	task := ex.runner.crew.Tasks[i]
	ex.mu.Lock()
	now := ex.runner.now()
	s := &ex.run.Steps[i]
	s.Status, s.FinishedAt = StepSucceeded, &now
	if task.Checkpoint {
		out, ok := ex.outMem[task.Name]
		raw, err := json.Marshal(out)
		if !ok {
			raw, err = []byte("null"), nil
		}
		if err != nil {
			ex.mu.Unlock()
			return fmt.Errorf("%s: checkpoint output: %w", task.Name, err)
		}
		s.Output = raw
	}
	ex.frac = 1
	ex.advance()
	ex.mu.Unlock()
	ex.saveMu.Lock()
	defer ex.saveMu.Unlock()
	run, err := ex.saveLocked(ctx, nil)
	if err != nil {
		return fmt.Errorf("finish step %s: %w", task.Name, err)
	}
	ex.runner.emit(ctx, run, EventRunProgress, ProgressData{RunID: run.ID, Progress: run.Progress, Step: task.Name, Stats: run.Stats})
	return nil
}

// overall is the run's progress; callers hold ex.mu.
func (ex *execution) overall() float64 {
	var p float64
	for j := 0; j < ex.cur; j++ {
		p += ex.weight[j]
	}
	p += ex.weight[ex.cur] * min(max(ex.frac, 0), 1)
	return min(p, 1)
}

// advance raises the run's progress to where the tasks are, never lowering
// it: a resumed run that redoes a task without a checkpoint keeps the
// progress it had stored until the redone work passes it. Callers hold
// ex.mu.
func (ex *execution) advance() {
	ex.run.Progress = max(ex.run.Progress, ex.overall())
}

// save writes the working copy's progress, steps, stats and usage, then
// applies fn (which may refuse), inside one store update fenced by the
// execution's lease. A run finished by someone else is not overwritten:
// its status stays and the steps are kept. A lease another execution has
// taken is ErrLeaseLost and stops this execution.
func (ex *execution) save(ctx context.Context, fn func(*Run) error) (*Run, error) {
	ex.saveMu.Lock()
	defer ex.saveMu.Unlock()
	return ex.saveLocked(ctx, fn)
}

// saveLocked is save for a caller holding ex.saveMu, which keeps saves in
// the order of their snapshots. The stored progress only ever rises.
func (ex *execution) saveLocked(ctx context.Context, fn func(*Run) error) (*Run, error) {
	ex.mu.Lock()
	snap := *ex.run
	snap.Steps = cloneSteps(ex.run.Steps)
	ex.last = lastFlush{at: ex.runner.cfg.Now(), progress: snap.Progress}
	ex.mu.Unlock()
	run, err := ex.runner.store.UpdateLeased(ctx, ex.runID, ex.holder, func(run *Run) error {
		terminal := run.Status.Terminal()
		run.Stats, run.Usage = snap.Stats, snap.Usage
		if !terminal {
			run.Progress, run.Steps = max(run.Progress, snap.Progress), snap.Steps
		}
		if fn != nil {
			return fn(run)
		}
		return nil
	})
	if errors.Is(err, ErrLeaseLost) {
		ex.stop(ErrLeaseLost)
	}
	if err != nil {
		return nil, err
	}
	if run.Status.Terminal() && run.Status != RunSucceeded && run.Status != RunFailed {
		ex.mu.Lock()
		ex.run.Status = run.Status
		ex.mu.Unlock()
	}
	return run, nil
}

func cloneSteps(steps []Step) []Step {
	out := make([]Step, len(steps))
	for i, s := range steps {
		out[i] = s
		if s.Stats != nil {
			out[i].Stats = make(map[string]int, len(s.Stats))
			for k, v := range s.Stats {
				out[i].Stats[k] = v
			}
		}
	}
	return out
}

func (ex *execution) progress(ctx context.Context, task string, frac float64) {
	ex.mu.Lock()
	if ex.index[task] != ex.cur {
		ex.mu.Unlock()
		return
	}
	ex.frac = frac
	ex.advance()
	due := ex.runner.cfg.Now().Sub(ex.last.at) >= ex.runner.cfg.ProgressInterval && ex.run.Progress > ex.last.progress
	ex.mu.Unlock()
	if !due {
		return
	}
	// Tasks report from several goroutines: one saves and emits at a
	// time, in order, and the others skip (a later report saves).
	if !ex.saveMu.TryLock() {
		return
	}
	defer ex.saveMu.Unlock()
	run, err := ex.saveLocked(ctx, nil)
	if err != nil {
		if ctx.Err() == nil {
			ex.runner.cfg.Logger.Warn("save run progress", "run_id", ex.runID, "err", err)
		}
		return
	}
	ex.runner.emit(ctx, run, EventRunProgress, ProgressData{RunID: run.ID, Progress: run.Progress, Step: task, Stats: run.Stats})
}

func (ex *execution) updateStats(fn func(*Stats)) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	fn(&ex.run.Stats)
}

func (ex *execution) count(task, key string, delta int) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	s := &ex.run.Steps[ex.index[task]]
	if s.Stats == nil {
		s.Stats = map[string]int{}
	}
	s.Stats[key] += delta
}

func (ex *execution) addUsage(u Usage) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	tokens := u.TotalTokens
	if tokens == 0 {
		tokens = u.PromptTokens + u.CompletionTokens
	}
	ex.run.Usage.Tokens += tokens
	ex.run.Usage.CostUSD += u.CostUSD
}

func (ex *execution) emit(ctx context.Context, name string, data any) {
	ex.mu.Lock()
	run := &Run{ID: ex.run.ID, CampaignID: ex.run.CampaignID}
	ex.mu.Unlock()
	ex.runner.emit(ctx, run, name, data)
}

func (ex *execution) setOutput(task string, v any) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	ex.outMem[task] = v
}

// output returns task's output from this execution (mem) or its saved
// checkpoint (raw).
func (ex *execution) output(task string) (raw json.RawMessage, mem any, found bool) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if v, ok := ex.outMem[task]; ok {
		return nil, v, true
	}
	if i, ok := ex.index[task]; ok {
		if s := ex.run.Steps[i]; s.Status == StepSucceeded && s.Output != nil {
			return s.Output, nil, true
		}
	}
	return nil, nil, false
}
