package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kpbot/kpbot/agents"
)

// RunNotifier is an agents.EventSink that forwards every run event to next
// and, when a run succeeds, fails, is cancelled or warns that it found or
// kept nothing, also notifies the run's owner, whom the event carries
// (agents.RunEventData.OwnerID): nothing is read again to notify. See
// docs/architecture.md, "How data flows".
type RunNotifier struct {
	next agents.EventSink
	svc  *Service
}

var _ agents.EventSink = (*RunNotifier)(nil)

// NewRunNotifier wraps next (nil: forward nowhere) so finished runs notify
// their owner through svc, which is required.
func NewRunNotifier(next agents.EventSink, svc *Service) (*RunNotifier, error) {
	if svc == nil {
		return nil, errors.New("new run notifier: the notifications service is required")
	}
	return &RunNotifier{next: next, svc: svc}, nil
}

// Emit forwards the event, then notifies on run.succeeded, run.failed,
// run.cancelled and run.warning. A failing notification does not stop the
// forward; both errors are returned.
func (e *RunNotifier) Emit(ctx context.Context, runID, campaignID, name string, data any) error {
	var errs []error
	if e.next != nil {
		if err := e.next.Emit(ctx, runID, campaignID, name, data); err != nil {
			errs = append(errs, err)
		}
	}
	if kind, ok := runKind(name); ok {
		if err := e.notify(ctx, runID, campaignID, kind, data); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RunNotificationData is the data of a run notification.
type RunNotificationData struct {
	RunID      string       `json:"run_id"`
	CampaignID string       `json:"campaign_id"`
	Status     string       `json:"status"`
	Stats      agents.Stats `json:"stats"`
	Error      string       `json:"error,omitempty"`
	// FailureKind says why a failed or cancelled run ended (budget,
	// cancelled, llm_unavailable, research, internal).
	FailureKind agents.FailureKind `json:"failure_kind,omitempty"`
	Warnings    []string           `json:"warnings,omitempty"`
}

// Failure returns why the run failed or was cancelled, with the identity
// of the error it failed on (errors.Is(err, agents.ErrBudgetExceeded)),
// or nil.
func (d RunNotificationData) Failure() error {
	if d.FailureKind == agents.FailureNone {
		return nil
	}
	return &agents.RunError{Kind: d.FailureKind, Msg: d.Error}
}

func (e *RunNotifier) notify(ctx context.Context, runID, campaignID string, kind Kind, data any) error {
	nd := RunNotificationData{RunID: runID, CampaignID: campaignID}
	var owner string
	switch d := data.(type) {
	case agents.RunEventData:
		owner, nd.Status, nd.Stats, nd.Error, nd.FailureKind = d.OwnerID, string(d.Status), d.Stats, d.Error, d.FailureKind
	case *agents.RunEventData:
		owner, nd.Status, nd.Stats, nd.Error, nd.FailureKind = d.OwnerID, string(d.Status), d.Stats, d.Error, d.FailureKind
	case agents.RunWarningData:
		owner, nd.Status, nd.Stats, nd.Warnings = d.OwnerID, string(agents.RunRunning), d.Stats, d.Warnings
	case *agents.RunWarningData:
		owner, nd.Status, nd.Stats, nd.Warnings = d.OwnerID, string(agents.RunRunning), d.Stats, d.Warnings
	}
	if owner == "" {
		return fmt.Errorf("notify %s of run %s: %w: the event carries no owner", kind, runID, ErrInvalid)
	}
	if kind == KindRunFailed && errors.Is(nd.Failure(), agents.ErrBudgetExceeded) {
		kind = KindBudgetReached
	}
	title, body := runText(kind, nd)
	if _, err := e.svc.Notify(ctx, owner, kind, title, body, nd); err != nil {
		return fmt.Errorf("notify %s of run %s: %w", kind, runID, err)
	}
	return nil
}

func runKind(eventName string) (Kind, bool) {
	switch eventName {
	case agents.EventRunSucceeded:
		return KindRunSucceeded, true
	case agents.EventRunFailed:
		return KindRunFailed, true
	case agents.EventRunCancelled:
		return KindRunCancelled, true
	case agents.EventRunWarning:
		return KindRunWarning, true
	}
	return "", false
}

func runText(kind Kind, d RunNotificationData) (title, body string) {
	switch kind {
	case KindRunSucceeded:
		return "Run finished", fmt.Sprintf("The run found %d prospects and drafted %d comments for review.", d.Stats.Prospects, d.Stats.Drafts)
	case KindRunFailed:
		body = "The run failed."
		if d.Error != "" {
			body = "The run failed: " + truncateRunes(d.Error, MaxBodyRunes-len(body))
		}
		return "Run failed", body
	case KindRunWarning:
		body = "The run found nothing to work on."
		if len(d.Warnings) > 0 {
			body = truncateRunes("The run warns: "+strings.Join(d.Warnings, "; ")+".", MaxBodyRunes)
		}
		return "Run finished with a warning", body
	case KindBudgetReached:
		return "Model budget reached", "The campaign's daily model budget is spent, so the run stopped after " +
			fmt.Sprintf("%d prospects and %d drafts; it can run again tomorrow (UTC) or with a higher budget.", d.Stats.Prospects, d.Stats.Drafts)
	default:
		return "Run cancelled", fmt.Sprintf("The run was cancelled after %d prospects and %d drafts.", d.Stats.Prospects, d.Stats.Drafts)
	}
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
