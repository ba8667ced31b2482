package agents

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// execution is one Execute of a run: the in-memory state tasks update.
type execution struct {
	runner *Runner
	runID  string
	holder string                  // the lease holder every save is fenced by
	stop   context.CancelCauseFunc // ends the execution's context
	saveMu sync.Mutex              // held while saving (and emitting what was saved)
	mu     sync.Mutex
	run    *Run // the working copy; saved by flush
	outMem map[string]any
	pipes  map[string]chan any // a feeding task's items, by its name
	weight []float64           // per task
	index  map[string]int
	frac   float64 // current task's progress
	cur    int
	last   lastFlush
	// started is set once begin has marked the run running; the watch
	// loop polls the run's status from then on.
	started atomic.Bool
}

// lastFlush is when and at what progress the run was last saved.
type lastFlush struct {
	at       time.Time
	progress float64
}

// newExecution is the execution of run runID by r under holder's lease;
// stop ends its context. Its working copy of the run is set by begin.
func newExecution(r *Runner, runID, holder string, stop context.CancelCauseFunc) *execution {
	ex := &execution{runner: r, runID: runID, holder: holder, stop: stop,
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

// begin marks the run running (one more attempt) and takes it as the
// working copy; resumed is true when it executed before. A finished run is
// ErrRunFinished.
func (ex *execution) begin(ctx context.Context) (run *Run, resumed bool, err error) {
	run, err = ex.runner.store.UpdateLeased(ctx, ex.runID, ex.holder, func(run *Run) error {
		if run.Status.Terminal() {
			return fmt.Errorf("execute run %s (%s): %w", ex.runID, run.Status, ErrRunFinished)
		}
		resumed = run.Attempts > 0
		run.Status = RunRunning
		run.Attempts++
		if run.StartedAt == nil {
			now := ex.runner.now()
			run.StartedAt = &now
		}
		ex.alignSteps(run)
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrRunFinished) {
			return nil, false, err
		}
		return nil, false, fmt.Errorf("start run %s: %w", ex.runID, err)
	}
	ex.mu.Lock()
	ex.run = run
	ex.mu.Unlock()
	ex.started.Store(true)
	return run, resumed, nil
}

// runTasks runs the tasks from the first one without a checkpoint, a
// feeding task together with the task it feeds, until one fails.
func (ex *execution) runTasks(ctx context.Context, resumed bool) error {
	tasks := ex.runner.crew.Tasks
	for i := resumeIndex(ex.run.Steps); i < len(tasks); i++ {
		var err error
		if tasks[i].Feeds {
			err = ex.runFed(ctx, i, resumed)
			i++
		} else {
			err = ex.runTask(ctx, i, resumed)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// finish records how the execution ended.
func (ex *execution) finish(ctx context.Context, taskErr error) error {
	r := ex.runner
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
		msg, kind := taskErr.Error(), FailureKindOf(taskErr)
		run, err := ex.save(saveCtx, func(run *Run) error {
			if run.Status.Terminal() {
				return ErrRunCancelled
			}
			now := r.now()
			run.Status, run.Error, run.FailureKind, run.FinishedAt = RunFailed, msg, kind, &now
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

// alignSteps makes run.Steps list the crew's tasks in order, keeping the
// state of steps it already has.
func (ex *execution) alignSteps(run *Run) {
	steps := make([]Step, len(ex.runner.crew.Tasks))
	for i, t := range ex.runner.crew.Tasks {
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

// errLeaseLapsed stops an execution that could not renew its lease.
var errLeaseLapsed = errors.New("run lease not renewed: the run store did not answer")

// watch starts the loop that keeps the execution honest while it runs, and
// returns the func that stops it and waits for it. Every Lease/3 it renews
// the lease: once another execution has taken it, it stops the execution
// with ErrLeaseLost; when renewals fail for 2/3 of Lease (counted from the
// start of the last one that succeeded), it stops it with errLeaseLapsed,
// a third of Lease before the lease may lapse and be taken. Every
// CancelPollInterval once the run has begun, it rereads the run's status
// and interrupts the execution when someone else finished the run (a
// cancel from another process). It measures with the monotonic clock, not
// RunnerConfig.Now.
func (ex *execution) watch(ctx context.Context) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		cfg := ex.runner.cfg
		renewEvery := cfg.Lease / 3
		t := time.NewTicker(min(renewEvery, cfg.CancelPollInterval))
		defer t.Stop()
		lastOK := time.Now() // the lease was acquired just before
		nextRenew, nextPoll := lastOK.Add(renewEvery), lastOK.Add(cfg.CancelPollInterval)
		for {
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-t.C:
			}
			if now := time.Now(); !now.Before(nextRenew) {
				nextRenew = now.Add(renewEvery)
				if !ex.renew(ctx, now, &lastOK) {
					return
				}
			}
			if now := time.Now(); ex.started.Load() && !now.Before(nextPoll) {
				nextPoll = now.Add(cfg.CancelPollInterval)
				if !ex.pollStatus(ctx, lastOK.Add(cfg.Lease-renewEvery)) {
					return
				}
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
}

// renew renews the lease, started at start, and reports whether the
// execution goes on; lastOK is when the last renewal that succeeded
// started.
func (ex *execution) renew(ctx context.Context, start time.Time, lastOK *time.Time) bool {
	cfg := ex.runner.cfg
	deadline := lastOK.Add(cfg.Lease - cfg.Lease/3)
	rctx, rcancel := context.WithDeadline(ctx, deadline)
	err := ex.runner.store.RenewLease(rctx, ex.runID, ex.holder, cfg.Lease)
	rcancel()
	switch {
	case err == nil:
		*lastOK = start
	case errors.Is(err, ErrLeaseLost):
		cfg.Logger.Warn("run lease taken over; stopping this execution", "run_id", ex.runID, "holder", ex.holder)
		ex.stop(ErrLeaseLost)
		return false
	case ctx.Err() != nil:
		return false
	default:
		cfg.Logger.Warn("renew run lease", "run_id", ex.runID, "err", err)
		if !time.Now().Before(deadline) {
			ex.stop(errLeaseLapsed)
			return false
		}
	}
	return true
}

// pollStatus rereads the run's status, waiting no later than deadline (so
// a store that does not answer never delays the next renewal past it), and
// reports whether the execution goes on: a run someone else finished
// interrupts it with ErrRunCancelled.
func (ex *execution) pollStatus(ctx context.Context, deadline time.Time) bool {
	gctx, gcancel := context.WithDeadline(ctx, deadline)
	run, err := ex.runner.store.Get(gctx, ex.runID)
	gcancel()
	if err != nil {
		if ctx.Err() == nil {
			ex.runner.cfg.Logger.Warn("poll run status", "run_id", ex.runID, "err", err)
		}
		return ctx.Err() == nil
	}
	if run.Status.Terminal() {
		ex.stop(ErrRunCancelled)
		return false
	}
	return true
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
	if run.Status.Terminal() {
		return nil // cancelled meanwhile: run.cancelled stays the last event
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
	if run.Status.Terminal() {
		return // cancelled meanwhile: run.cancelled stays the last event
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
	addRunFigure(&ex.run.Stats, key, delta)
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

func (ex *execution) pipe(task string) chan any {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	return ex.pipes[task]
}
