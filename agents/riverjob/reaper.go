package riverjob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/storage"
)

// reapBatch is the most running jobs one look examines.
const reapBatch = 1000

// reapLoop looks for runs of dead instances every ReapInterval until ctx
// ends or stop is closed.
func (q *Queue) reapLoop(ctx context.Context, stop <-chan struct{}) {
	t := time.NewTicker(q.cfg.ReapInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-t.C:
		}
		if err := q.reap(ctx); err != nil && ctx.Err() == nil {
			q.cfg.Logger.Warn("look for runs of dead instances", "err", err)
		}
	}
}

// reap is one look of the reaper, which runs on every instance: River
// never rescues a run's job itself (a run has no time limit, so its jobs
// have none, and River's rescuer skips those), so a job whose process
// died stays "running" in River. The lease tells: a running job whose
// run has no live lease has lost its execution. When two looks in a row
// (ReapInterval apart) find the same job so, the run is taken over: a new
// job is inserted for it (unique, so racing reapers insert one), recorded
// on the run, and the old job is cancelled (River's rescuer finalizes it
// after RescueAfter). Looking twice keeps an execution that has just
// ended, whose job River is about to finalize, from being taken over.
//
// Jobs that just started and have not leased their run yet are left alone
// for one lease. A run that has used up MaxAttempts executions is failed
// instead. Jobs of finished, deleted or superseded runs are cancelled.
func (q *Queue) reap(ctx context.Context) error {
	res, err := q.client.JobList(ctx, river.NewJobListParams().Kinds(RunArgs{}.Kind()).
		Queues(q.cfg.Queue).States(rivertype.JobStateRunning).First(reapBatch))
	if err != nil {
		return fmt.Errorf("list running jobs: %w", err)
	}
	suspects := make(map[int64]bool, len(q.suspects))
	for _, job := range res.Jobs {
		suspect, err := q.reapJob(ctx, job)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			q.cfg.Logger.Warn("examine run job", "job_id", job.ID, "err", err)
			continue
		}
		if suspect {
			suspects[job.ID] = true
		}
	}
	q.suspects = suspects
	return nil
}

// reapJob examines one running job; it reports whether the job has lost
// its execution but was not suspected on the last look, so is not taken
// over yet.
func (q *Queue) reapJob(ctx context.Context, job *rivertype.JobRow) (suspect bool, err error) {
	if cancelAttempted(job) {
		return false, nil // being cancelled; River finalizes it
	}
	var args RunArgs
	if err := json.Unmarshal(job.EncodedArgs, &args); err != nil {
		return false, fmt.Errorf("decode args: %w", err)
	}
	run, err := q.store.Get(ctx, args.RunID)
	if errors.Is(err, storage.ErrNotFound) {
		return false, q.cancelJob(ctx, job, "its run is gone")
	}
	if err != nil {
		return false, err
	}
	lease := q.runner.Lease()
	started := job.AttemptedAt != nil && time.Since(*job.AttemptedAt) < lease
	switch {
	case run.JobID != 0 && run.JobID != job.ID:
		return false, q.cancelJob(ctx, job, "another job carries its run")
	case run.Status.Terminal():
		if started || run.FinishedAt == nil || time.Since(*run.FinishedAt) < lease {
			return false, nil // its execution is returning
		}
		l, err := q.store.Lease(ctx, run.ID)
		if err != nil || l.Live {
			return false, err
		}
		return false, q.cancelJob(ctx, job, "its run finished")
	}
	l, err := q.store.Lease(ctx, run.ID)
	if err != nil {
		return false, err
	}
	if l.Live || (l.Holder == "" && started) {
		return false, nil
	}
	if !q.suspects[job.ID] {
		return true, nil
	}
	return false, q.takeOver(ctx, job, args, run, l)
}

// takeOver gives the run of a job whose execution died a new job, or
// fails it when it has used up its attempts.
func (q *Queue) takeOver(ctx context.Context, job *rivertype.JobRow, args RunArgs, run *agents.Run, l agents.RunLease) error {
	log := q.cfg.Logger.With("run_id", run.ID, "job_id", job.ID, "last_holder", l.Holder, "attempts", run.Attempts)
	if run.Attempts >= q.cfg.MaxAttempts {
		reason := fmt.Sprintf("gave up after %d attempts: the instance executing it stopped", run.Attempts)
		if _, err := q.runner.Fail(ctx, run.ID, reason); err != nil && !errors.Is(err, agents.ErrRunFinished) {
			return fmt.Errorf("fail run %s: %w", run.ID, err)
		}
		log.Warn("run of a dead instance failed: no attempts left")
		return q.cancelJob(ctx, job, "its run failed")
	}
	next := RunArgs{RunID: run.ID, Takeover: max(args.Takeover, run.Attempts) + 1}
	newID, err := q.enqueue(ctx, next, job.ID)
	if errors.Is(err, errSuperseded) {
		return nil // another instance took it over first
	}
	if err != nil {
		return fmt.Errorf("take over run %s: %w", run.ID, err)
	}
	log.Info("run of a dead instance taken over", "new_job_id", newID)
	return q.cancelJob(ctx, job, "its run was taken over")
}

// cancelJob cancels a running job whose process is gone (or whose run no
// longer needs it): River marks it for cancellation, tells its process if
// alive, and its rescuer finalizes it after RescueAfter.
func (q *Queue) cancelJob(ctx context.Context, job *rivertype.JobRow, why string) error {
	if _, err := q.client.JobCancel(ctx, job.ID); err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("cancel job %d (%s): %w", job.ID, why, err)
	}
	q.cfg.Logger.Debug("cancelled stale run job", "job_id", job.ID, "why", why)
	return nil
}

// cancelAttempted reports whether the job has been marked for cancellation.
func cancelAttempted(job *rivertype.JobRow) bool {
	var md struct {
		CancelAttemptedAt *time.Time `json:"cancel_attempted_at"`
	}
	return json.Unmarshal(job.Metadata, &md) == nil && md.CancelAttemptedAt != nil
}
