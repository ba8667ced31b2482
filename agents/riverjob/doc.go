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
// runner resumes from the last checkpoint, skipping what is done. A process
// that dies outright leaves its job "running"; River rescues it after
// RescueAfter. Every write of a run is idempotent, so nothing is lost or
// duplicated. After MaxAttempts the run is marked failed.
package riverjob
