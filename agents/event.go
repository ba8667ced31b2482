package agents

import (
	"context"
	"sync"
	"time"

	"github.com/kpbot/kpbot/events"
)

// Event names a run emits. Package events declares every name of the
// WebSocket contract; these refer to them, so each name exists once.
const (
	EventRunQueued      = events.RunQueued
	EventRunStarted     = events.RunStarted
	EventRunProgress    = events.RunProgress
	EventRunSucceeded   = events.RunSucceeded
	EventRunFailed      = events.RunFailed
	EventRunCancelled   = events.RunCancelled
	EventRunWarning     = events.RunWarning
	EventProspectFound  = events.ProspectFound
	EventCommentDrafted = events.CommentDrafted
)

// EventSink receives a run's events in the order the run emits them. The
// real-time event log implements it; Recorder keeps events in memory.
// Implementations are safe for concurrent use; an error from Emit is logged
// by the runner and does not stop the run.
type EventSink interface {
	// Emit records one event of runID (of campaignID) called name with
	// its data, a JSON-marshalable value (the *Data types of this package).
	Emit(ctx context.Context, runID, campaignID, name string, data any) error
}

// RunEventData is the data of run.queued, run.started, run.succeeded,
// run.failed and run.cancelled. OwnerID is for in-process consumers (the
// notifications of the run's owner) and is not part of the stored JSON.
type RunEventData struct {
	RunID       string      `json:"run_id"`
	OwnerID     string      `json:"-"`
	Status      RunStatus   `json:"status"`
	Progress    float64     `json:"progress"`
	Stats       Stats       `json:"stats"`
	Error       string      `json:"error,omitempty"`
	FailureKind FailureKind `json:"failure_kind,omitempty" doc:"Why a failed or cancelled run ended: budget, cancelled, llm_unavailable, research or internal."`
	Resumed     bool        `json:"resumed,omitempty"` // run.started of a resumed run
}

// Failure returns why the run failed or was cancelled as a *RunError
// (errors.Is matches its kind's sentinel, e.g. ErrBudgetExceeded), or nil.
func (d RunEventData) Failure() error { return runError(d.FailureKind, d.Error) }

// RunWarningData is the data of run.warning: the run goes on (and may
// succeed), but found or kept nothing or little, and Warnings say why.
// OwnerID is for in-process consumers and not part of the stored JSON.
type RunWarningData struct {
	RunID    string   `json:"run_id"`
	OwnerID  string   `json:"-"`
	Warnings []string `json:"warnings"`
	Stats    Stats    `json:"stats"`
}

// ProgressData is the data of run.progress.
type ProgressData struct {
	RunID    string  `json:"run_id"`
	Progress float64 `json:"progress"`
	Step     string  `json:"step"`
	Stats    Stats   `json:"stats"`
}

// ProspectFoundData is the data of prospect.found.
type ProspectFoundData struct {
	RunID           string     `json:"run_id"`
	URL             string     `json:"url"`
	Title           string     `json:"title"`
	Site            string     `json:"site"`
	PublishedAt     *time.Time `json:"published_at,omitempty"`
	Relevance       float64    `json:"relevance"`
	AcceptsComments bool       `json:"accepts_comments"`
	Created         bool       `json:"created"` // false when the prospect was already saved
}

// CommentDraftedData is the data of comment.drafted.
type CommentDraftedData struct {
	RunID       string   `json:"run_id"`
	ProspectURL string   `json:"prospect_url"`
	Score       int      `json:"score"`
	Flags       []string `json:"flags"`
	Passed      bool     `json:"passed"`
	Attempts    int      `json:"attempts"`
}

// Event is one recorded event.
type Event struct {
	Seq        int       // 1, 2, 3, ... within its run
	RunID      string    // the run that emitted it
	CampaignID string    // the run's campaign
	Name       string    // one of the Event* names
	Data       any       // as emitted
	At         time.Time // when it was recorded
}

// Recorder is an in-process EventSink: it keeps each run's events apart,
// numbered 1, 2, 3, ... per run. It is safe for concurrent use.
type Recorder struct {
	mu     sync.Mutex
	byRun  map[string][]Event
	now    func() time.Time
	notify chan struct{}
}

var _ EventSink = (*Recorder)(nil)

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{byRun: make(map[string][]Event), now: time.Now, notify: make(chan struct{})}
}

// Emit records the event under its run.
func (r *Recorder) Emit(_ context.Context, runID, campaignID, name string, data any) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	evs := r.byRun[runID]
	r.byRun[runID] = append(evs, Event{
		Seq: len(evs) + 1, RunID: runID, CampaignID: campaignID, Name: name, Data: data, At: r.now().UTC(),
	})
	close(r.notify)
	r.notify = make(chan struct{})
	return nil
}

// Events returns a copy of the run's events, oldest first.
func (r *Recorder) Events(runID string) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Event(nil), r.byRun[runID]...)
}

// Names returns the names of the run's events, oldest first.
func (r *Recorder) Names(runID string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, len(r.byRun[runID]))
	for i, e := range r.byRun[runID] {
		names[i] = e.Name
	}
	return names
}

// Wait blocks until the run has an event called name, and returns it; it
// fails with ctx's error when ctx ends first.
func (r *Recorder) Wait(ctx context.Context, runID, name string) (Event, error) {
	for {
		r.mu.Lock()
		for _, e := range r.byRun[runID] {
			if e.Name == name {
				r.mu.Unlock()
				return e, nil
			}
		}
		ch := r.notify
		r.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Event{}, ctx.Err()
		}
	}
}

// Forget drops the run's events.
func (r *Recorder) Forget(runID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.byRun, runID)
}
