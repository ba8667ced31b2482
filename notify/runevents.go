package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kpbot/kpbot/agents"
)

// OwnerOf returns the ID of the user who owns a campaign.
type OwnerOf func(ctx context.Context, campaignID string) (string, error)

// RunEvents is an agents.EventSink that forwards every run event to next
// and, when a run succeeds, fails, is cancelled or warns that it found or
// kept nothing, also notifies the campaign's owner.
type RunEvents struct {
	next    agents.EventSink
	svc     *Service
	ownerOf OwnerOf
}

var _ agents.EventSink = (*RunEvents)(nil)

// NewRunEvents wraps next (nil: forward nowhere) so finished runs notify
// their campaign's owner, found with ownerOf.
func NewRunEvents(next agents.EventSink, svc *Service, ownerOf OwnerOf) *RunEvents {
	return &RunEvents{next: next, svc: svc, ownerOf: ownerOf}
}

// Emit forwards the event, then notifies on run.succeeded, run.failed,
// run.cancelled and run.warning. A failing notification does not stop the forward; both
// errors are returned.
func (e *RunEvents) Emit(ctx context.Context, runID, campaignID, name string, data any) error {
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
	Warnings   []string     `json:"warnings,omitempty"`
}

func (e *RunEvents) notify(ctx context.Context, runID, campaignID string, kind Kind, data any) error {
	owner, err := e.ownerOf(ctx, campaignID)
	if err != nil {
		return fmt.Errorf("notify %s of run %s: find campaign %s owner: %w", kind, runID, campaignID, err)
	}
	nd := RunNotificationData{RunID: runID, CampaignID: campaignID}
	switch d := data.(type) {
	case agents.RunEventData:
		nd.Status, nd.Stats, nd.Error = string(d.Status), d.Stats, d.Error
	case *agents.RunEventData:
		nd.Status, nd.Stats, nd.Error = string(d.Status), d.Stats, d.Error
	case agents.RunWarningData:
		nd.Status, nd.Stats, nd.Warnings = string(agents.RunRunning), d.Stats, d.Warnings
	case *agents.RunWarningData:
		nd.Status, nd.Stats, nd.Warnings = string(agents.RunRunning), d.Stats, d.Warnings
	}
	if kind == KindRunFailed && strings.Contains(nd.Error, agents.ErrBudgetExceeded.Error()) {
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
