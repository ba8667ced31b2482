package agents

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"slices"
)

// TaskFunc does a task's work. It reads earlier tasks' outputs with Input,
// publishes its own with SetOutput, and reports progress, stats, usage and
// events through tc. It must return promptly once ctx is done.
type TaskFunc func(ctx context.Context, tc *TaskContext) error

// Task is one step of a crew: an agent doing one job.
type Task struct {
	Name  string
	Agent *Agent
	// Assistants are agents that work inside the task beside Agent (the
	// quality reviewer checks the comment writer's drafts); Crew.Agents
	// lists them after it.
	Assistants  []*Agent
	Description string
	// Weight is the task's share of the run's progress relative to the
	// other tasks; zero counts as 1.
	Weight float64
	// Checkpoint makes the task's output (SetOutput) part of the run's
	// saved state, so a resumed run skips the task once it has succeeded.
	// Tasks without it run again on resume if a later task still needs to
	// run, which is safe because every write is idempotent.
	Checkpoint bool
	// Feeds runs the task alongside the next one, which reads the items
	// it sends (Send, Receive) as they come, so a long list of them is
	// never held at once. A feeding task cannot checkpoint: on resume it
	// runs again with the task it feeds.
	Feeds bool
	// Run does the work.
	Run TaskFunc
}

// TaskContext is a task's window on its run. Its methods are safe for
// concurrent use by the task's goroutines.
type TaskContext struct {
	RunID   string
	Brief   Brief
	Resumed bool // the run executed before and is resuming
	task    string
	exec    *execution
}

// Progress reports how far the task is, 0..1.
func (tc *TaskContext) Progress(ctx context.Context, frac float64) {
	tc.exec.progress(ctx, tc.task, frac)
}

// Flush saves the run's progress, stats and usage now rather than at the
// next due progress report, so counters of work just stored survive a
// crash; a task calls it after a write worth counting exactly.
func (tc *TaskContext) Flush(ctx context.Context) error {
	if _, err := tc.exec.save(ctx, nil); err != nil {
		return fmt.Errorf("flush run %s: %w", tc.RunID, err)
	}
	return nil
}

// Stats returns a copy of the run's stats.
func (tc *TaskContext) Stats() Stats {
	tc.exec.mu.Lock()
	defer tc.exec.mu.Unlock()
	return tc.exec.run.Stats
}

// UpdateStats changes the run's stats: the figures no step counter
// counts (maps, warnings, draft retries, ...) and the resets of a task
// that counts again on resume.
func (tc *TaskContext) UpdateStats(fn func(*Stats)) { tc.exec.updateStats(fn) }

// Count adds delta to the task's step stat key and, for a counter that is
// also a figure of the run (see the Count* keys), to the run's Stats: each
// figure is counted once.
func (tc *TaskContext) Count(key string, delta int) { tc.exec.count(tc.task, key, delta) }

// AddUsage adds one LLM call's usage to the run.
func (tc *TaskContext) AddUsage(u Usage) { tc.exec.addUsage(u) }

// Emit sends one of the run's events.
func (tc *TaskContext) Emit(ctx context.Context, name string, data any) {
	tc.exec.emit(ctx, name, data)
}

// SetOutput publishes the task's output for later tasks (and, for a
// Checkpoint task, for a resumed run: v must then marshal to JSON).
func SetOutput[T any](tc *TaskContext, v T) { tc.exec.setOutput(tc.task, v) }

// Input returns the output of an earlier task: the value it set in this
// execution, or else the checkpoint it saved in an earlier one. ok is false
// when the task has no output.
func Input[T any](tc *TaskContext, task string) (v T, ok bool, err error) {
	raw, mem, found := tc.exec.output(task)
	if !found {
		return v, false, nil
	}
	if mem != nil {
		typed, isT := mem.(T)
		if !isT {
			return v, false, fmt.Errorf("input of task %s: output is %T, not %T", task, mem, v)
		}
		return typed, true, nil
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return v, false, fmt.Errorf("input of task %s: decode checkpoint: %w", task, err)
	}
	return v, true, nil
}

// Send hands item to the task that tc's task feeds (Task.Feeds), waiting
// while that task is behind. It fails when ctx ends (the fed task may
// have finished) or when tc's task feeds no task.
func Send[T any](ctx context.Context, tc *TaskContext, item T) error {
	pipe := tc.exec.pipe(tc.task)
	if pipe == nil {
		return fmt.Errorf("send from task %s: it feeds no task", tc.task)
	}
	select {
	case pipe <- item:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// Receive returns the items the feeding task sends to tc's task, in the
// order sent, ending when that task returns; ok is false when task is not
// feeding this one. Items of another type than T end the sequence with a
// panic: the crew pairs the two tasks, so a mismatch is a bug.
func Receive[T any](tc *TaskContext, task string) (items iter.Seq[T], ok bool) {
	pipe := tc.exec.pipe(task)
	if pipe == nil || tc.exec.index[task]+1 != tc.exec.index[tc.task] {
		return nil, false
	}
	return func(yield func(T) bool) {
		for v := range pipe {
			item, isT := v.(T)
			if !isT {
				panic(fmt.Sprintf("receive from task %s: got %T, want %T", task, v, item))
			}
			if !yield(item) {
				return
			}
		}
	}, true
}

// Verdict is a guardrail's judgement of one attempt.
type Verdict struct {
	Passed  bool
	Score   int      // higher is better; used to keep the best attempt
	Reasons []string // why it failed, fed back to the next attempt
	// Flags name the checks that failed; an attempt failing a check the
	// attempt before it failed too ends the retries (asking again with
	// the same reasons is unlikely to help).
	Flags []string
}

// Guarded is the outcome of RetryGuarded: the best attempt and its verdict.
type Guarded[T any] struct {
	Value    T
	Verdict  Verdict
	Attempts int // attempts made, 1 + retries
}

// RetryGuarded produces a value and checks it with guard, retrying with the
// guard's reasons as feedback until it passes, maxRetries retries are
// spent, or an attempt fails a check (Verdict.Flags) the one before it
// failed too. It returns the first passing attempt, or else the best-scoring
// one (the earliest among equals). An error from produce ends it.
func RetryGuarded[T any](ctx context.Context, maxRetries int,
	produce func(ctx context.Context, attempt int, feedback []string) (T, error),
	guard func(T) Verdict,
) (Guarded[T], error) {
	var best Guarded[T]
	var feedback, failed []string
	for attempt := 0; attempt <= max(maxRetries, 0); attempt++ {
		if err := ctx.Err(); err != nil {
			return best, err
		}
		v, err := produce(ctx, attempt, feedback)
		if err != nil {
			return best, err
		}
		verdict := guard(v)
		if attempt == 0 || verdict.Passed || verdict.Score > best.Verdict.Score {
			best.Value, best.Verdict = v, verdict
		}
		best.Attempts = attempt + 1
		if verdict.Passed {
			return best, nil
		}
		for _, f := range verdict.Flags {
			if slices.Contains(failed, f) {
				return best, nil // the same check failed twice
			}
		}
		feedback, failed = verdict.Reasons, verdict.Flags
	}
	return best, nil
}
