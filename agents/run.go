package agents

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// RunStatus is where a run is in its life.
type RunStatus string

// Run statuses. queued and running are active; the others are final.
const (
	RunQueued    RunStatus = "queued"
	RunRunning   RunStatus = "running"
	RunSucceeded RunStatus = "succeeded"
	RunFailed    RunStatus = "failed"
	RunCancelled RunStatus = "cancelled"
)

// Terminal reports whether the status is final.
func (s RunStatus) Terminal() bool {
	return s == RunSucceeded || s == RunFailed || s == RunCancelled
}

// Valid reports whether s is one of the Run* statuses.
func (s RunStatus) Valid() bool {
	switch s {
	case RunQueued, RunRunning, RunSucceeded, RunFailed, RunCancelled:
		return true
	}
	return false
}

// StepStatus is where one task of a run is.
type StepStatus string

// Step statuses.
const (
	StepPending   StepStatus = "pending"
	StepRunning   StepStatus = "running"
	StepSucceeded StepStatus = "succeeded"
	StepFailed    StepStatus = "failed"
	StepCancelled StepStatus = "cancelled"
)

// Step is one task of a run: when it ran, how it ended, what it counted.
// Output is the task's checkpoint, kept so a resumed run can skip the task.
type Step struct {
	Name       string          `json:"name"`
	Agent      string          `json:"agent,omitempty"`
	Status     StepStatus      `json:"status"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	Error      string          `json:"error,omitempty"`
	Stats      map[string]int  `json:"stats,omitempty"`
	Output     json.RawMessage `json:"output,omitempty"`
}

// Stats counts what a run did.
type Stats struct {
	SeedsFailed              int `json:"seeds_failed"`                // seed sites that could not be read
	PostsDiscovered          int `json:"posts_discovered"`            // candidate posts found
	PostsFetched             int `json:"posts_fetched"`               // posts fetched and extracted
	FetchFailures            int `json:"fetch_failures"`              // posts that could not be fetched or read
	Duplicates               int `json:"duplicates"`                  // posts dropped as another URL of a post seen
	Prospects                int `json:"prospects"`                   // posts kept as prospects
	Drafts                   int `json:"drafts"`                      // drafts stored
	DraftsRejectedByReviewer int `json:"drafts_rejected_by_reviewer"` // stored drafts that never passed review
	DraftRetries             int `json:"draft_retries"`               // drafts rewritten after review feedback
	ModelCalls               int `json:"model_calls"`                 // model calls made for the stored drafts
	DraftsSkipped            int `json:"drafts_skipped"`              // prospects already drafted or over the daily limit
	LanguageSkipped          int `json:"language_skipped"`            // posts read but not in the campaign's language
	DraftsSkippedLanguage    int `json:"drafts_skipped_language"`     // prospects the writer cannot write in the post's language (also in DraftsSkipped)

	// SeedFailuresByReason counts the seeds that could not be read by
	// cause (robots, not_found, blocked_address, timeout, ...).
	SeedFailuresByReason map[string]int `json:"seed_failures_by_reason,omitempty"`
	// FetchFailuresByReason counts FetchFailures by cause.
	FetchFailuresByReason map[string]int `json:"fetch_failures_by_reason,omitempty"`
	// Warnings say why a run that succeeded found or kept nothing (or
	// little), one sentence each.
	Warnings []string `json:"warnings,omitempty"`
	// The maps and slice above are replaced, never changed in place, so
	// copies of Stats may share them.
}

// RunUsage is what a run's LLM calls cost.
type RunUsage struct {
	Tokens  int     `json:"tokens"`
	CostUSD float64 `json:"cost_usd"`
}

// Run is one execution of a crew for a campaign.
type Run struct {
	ID         string    `json:"id"`
	CampaignID string    `json:"campaign_id"`
	OwnerID    string    `json:"owner_id"`
	Status     RunStatus `json:"status"`
	Progress   float64   `json:"progress"` // 0..1
	Steps      []Step    `json:"steps"`
	Stats      Stats     `json:"stats"`
	Usage      RunUsage  `json:"usage"`
	Error      string    `json:"error,omitempty"`
	// FailureKind says why a failed or cancelled run ended; Failure
	// returns it with Error as an error.
	FailureKind FailureKind `json:"failure_kind,omitempty"`
	Brief       Brief       `json:"brief"`            // the brief the run works on
	JobID       int64       `json:"job_id,omitempty"` // the job queue's ID of the run's job, 0 if none
	Attempts    int         `json:"attempts"`         // how many times execution started
	CreatedAt   time.Time   `json:"created_at"`
	StartedAt   *time.Time  `json:"started_at,omitempty"`
	FinishedAt  *time.Time  `json:"finished_at,omitempty"`
}

// Active reports whether the run is queued or running.
func (r *Run) Active() bool { return !r.Status.Terminal() }

// Step returns the run's step called name, or nil.
func (r *Run) Step(name string) *Step {
	for i := range r.Steps {
		if r.Steps[i].Name == name {
			return &r.Steps[i]
		}
	}
	return nil
}

// Errors about runs, tested with errors.Is.
var (
	// ErrRunFinished: the run is already succeeded, failed or cancelled
	// (HTTP 409 on cancel).
	ErrRunFinished = errors.New("run already finished")
	// ErrRunCancelled: the run was cancelled while it executed.
	ErrRunCancelled = errors.New("run cancelled")
	// ErrRunFailed: the run failed; Run.Error says why.
	ErrRunFailed = errors.New("run failed")
	// ErrLeaseHeld: another execution holds a live lease on the run, so
	// it may not execute here now; try again once that lease lapses.
	ErrLeaseHeld = errors.New("run is executing elsewhere")
	// ErrLeaseLost: another execution has taken the run's lease over (this
	// one's had lapsed), so this one must stop without writing the run.
	ErrLeaseLost = errors.New("run lease taken over by another execution")
)

// RunLease is an execution's hold on a run: the holder renews it while it
// executes, and once it lapses (the holder's process died, or lost the
// database) another execution may acquire it and resume the run. Times
// are the store's clock, so instances' clocks need not agree.
type RunLease struct {
	Holder    string    // the execution holding it; "" when none ever has
	ExpiresAt time.Time // when it lapses unless renewed; zero when none
	Live      bool      // held and not lapsed, by the store's clock
}

// ListParams selects a page of a list: at most Limit items after Cursor.
type ListParams struct {
	Limit  int
	Cursor string
}

// RunPage is one page of runs; NextCursor is empty on the last page.
type RunPage struct {
	Items      []Run
	NextCursor string
}

// RunStore keeps runs. Get and Update of an unknown ID wrap
// storage.ErrNotFound; Create of an existing ID wraps storage.ErrConflict.
// Implementations are safe for concurrent use.
type RunStore interface {
	// Create inserts a new run.
	Create(ctx context.Context, r *Run) error
	// CreateWithin inserts a new run unless its owner already has
	// maxActive queued or running runs; then it inserts nothing and
	// returns a *RunLimitError (LimitPerUser). Counting and inserting are
	// one step: racing calls never pass the limit together.
	CreateWithin(ctx context.Context, r *Run, maxActive int) error
	// Get returns the run with that ID.
	Get(ctx context.Context, id string) (*Run, error)
	// ListByCampaign returns the campaign's runs, newest first, a page at
	// a time (Limit default 50); a foreign cursor wraps
	// storage.ErrInvalidCursor.
	ListByCampaign(ctx context.Context, campaignID string, p ListParams) (RunPage, error)
	// Update loads the run, applies fn and saves the result in one
	// transaction, so concurrent updates queue; an error from fn rolls
	// back and is returned as is.
	Update(ctx context.Context, id string, fn func(*Run) error) (*Run, error)
	// CountActive counts the owner's queued and running runs.
	CountActive(ctx context.Context, ownerID string) (int, error)
	// CountActiveAll counts every queued and running run.
	CountActiveAll(ctx context.Context) (int, error)

	// AcquireLease makes holder the active run's lease holder until ttl
	// from now, by the store's clock, when no other holder's lease is
	// live (a lapsed one is taken over). A finished run is ErrRunFinished,
	// another holder's live lease ErrLeaseHeld.
	AcquireLease(ctx context.Context, id, holder string, ttl time.Duration) error
	// RenewLease extends holder's lease to ttl from now; once another
	// holder has acquired it, it is ErrLeaseLost.
	RenewLease(ctx context.Context, id, holder string, ttl time.Duration) error
	// ReleaseLease makes holder's lease lapse now, if holder still holds
	// it; otherwise it does nothing.
	ReleaseLease(ctx context.Context, id, holder string) error
	// Lease returns the run's lease as the store's clock sees it.
	Lease(ctx context.Context, id string) (RunLease, error)
	// UpdateLeased is Update fenced by the lease: fn applies only while
	// holder still holds the run's lease (a lapsed one nobody has taken
	// counts); otherwise nothing changes and it is ErrLeaseLost.
	UpdateLeased(ctx context.Context, id, holder string, fn func(*Run) error) (*Run, error)
}
