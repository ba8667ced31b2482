// Package riverjob executes crew runs as durable River jobs
// (github.com/riverqueue/river), in the same database as everything else:
// riversqlite on SQLite, riverpgxv5 on PostgreSQL.
//
// A Queue submits runs (checking the per-user limit), runs their jobs with
// at most MaxRunsTotal at once per process, and cancels them: Cancel marks
// the run cancelled, cancels its River job (River cancels a running job's
// context through its notifier — LISTEN/NOTIFY on PostgreSQL, a polled
// outbox table on SQLite) and the runner itself notices within its
// CancelPollInterval even if the notification is lost, so a cancel takes
// effect in well under a second.
//
// When a worker stops mid-run (shutdown, StopAndCancel, a cancelled
// context), the run stays running with its checkpoints saved and the job
// fails with a retryable error; River retries it after RetryDelay and the
// runner resumes from the last checkpoint, skipping what is done.
//
// A process that dies outright (SIGKILL, a crash, a lost machine) leaves
// its job "running" in River, which would never rescue it: runs have no
// time limit, so their jobs have none, and River's rescuer skips those.
// Instead each execution holds a lease on its run (agents.RunnerConfig.Lease,
// 15 s by default) and renews it every third of that. Every instance runs
// a reaper that looks at the running jobs every ReapInterval (a quarter of
// the lease); a job whose run has had no live lease on two looks in a row
// has lost its process, and the run gets a new job (the old one is
// cancelled). A run on a dead instance is therefore resumed elsewhere
// within the lease plus two looks and a job fetch after its last renewal:
// about 23 s at the defaults, 30 s at most. Every write of a run is fenced
// by the lease, and an execution that cannot renew stops itself before its
// lease may lapse, so a slow but living instance never executes a run at
// the same time as the one that took it over. The dead run counts against
// its owner's run limit until the execution that took it over finishes it.
// Every write of a run is idempotent, so nothing is lost or duplicated.
// After MaxAttempts executions the run is marked failed.
package riverjob
