package agents

import (
	"errors"
)

// FailureKind says why a run failed or was cancelled, so its consumers
// (notifications, the dashboard) need not parse Run.Error. It is stored
// with the run and carried by its run.failed and run.cancelled events; see
// docs/architecture.md, "How data flows".
type FailureKind string

// Failure kinds. The zero value is a run that has not failed.
const (
	FailureNone FailureKind = ""
	// FailureBudget: the model budget of the campaign was spent
	// (ErrBudgetExceeded).
	FailureBudget FailureKind = "budget"
	// FailureCancelled: someone cancelled the run (ErrRunCancelled).
	FailureCancelled FailureKind = "cancelled"
	// FailureLLMUnavailable: the model server could not be reached or
	// kept refusing (ErrLLMUnavailable, ErrRateLimited).
	FailureLLMUnavailable FailureKind = "llm_unavailable"
	// FailureResearch: research could read no source at all (ErrNoSources).
	FailureResearch FailureKind = "research"
	// FailureInternal: anything else, including a job queue that gave up
	// on the run (Runner.Fail).
	FailureInternal FailureKind = "internal"
)

// ErrLLMUnavailable is what an LLM adapter wraps when the model server
// cannot be reached; a run failing on it has FailureLLMUnavailable.
var ErrLLMUnavailable = errors.New("llm unavailable")

// FailureKindOf classifies the error a run failed on by its identity
// (errors.Is), never by its text. A nil error is FailureNone.
func FailureKindOf(err error) FailureKind {
	switch {
	case err == nil:
		return FailureNone
	case errors.Is(err, ErrBudgetExceeded):
		return FailureBudget
	case errors.Is(err, ErrRunCancelled):
		return FailureCancelled
	case errors.Is(err, ErrLLMUnavailable), errors.Is(err, ErrRateLimited):
		return FailureLLMUnavailable
	case errors.Is(err, ErrNoSources):
		return FailureResearch
	}
	return FailureInternal
}

// Err returns the sentinel error of the kind (ErrBudgetExceeded for
// FailureBudget, ...), ErrRunFailed for FailureInternal and an unknown
// kind, nil for FailureNone.
func (k FailureKind) Err() error {
	switch k {
	case FailureNone:
		return nil
	case FailureBudget:
		return ErrBudgetExceeded
	case FailureCancelled:
		return ErrRunCancelled
	case FailureLLMUnavailable:
		return ErrLLMUnavailable
	case FailureResearch:
		return ErrNoSources
	}
	return ErrRunFailed
}

// RunError is why a run failed or was cancelled, as stored on it: the
// message and the kind. It unwraps to the kind's sentinel, so the identity
// of the error the run failed on survives storage and events:
// errors.Is(runErr, ErrBudgetExceeded) holds for a run that spent its
// budget.
type RunError struct {
	Kind FailureKind
	Msg  string
}

// Error returns the message (the kind when there is none).
func (e *RunError) Error() string {
	if e.Msg == "" {
		return "run failed: " + string(e.Kind)
	}
	return e.Msg
}

// Unwrap returns the kind's sentinel error.
func (e *RunError) Unwrap() error { return e.Kind.Err() }

// runError is the *RunError of kind and msg, nil when kind is FailureNone.
func runError(kind FailureKind, msg string) error {
	if kind == FailureNone {
		return nil
	}
	return &RunError{Kind: kind, Msg: msg}
}

// Failure returns why the run failed or was cancelled as a *RunError, or
// nil while it has not.
func (r *Run) Failure() error { return runError(r.FailureKind, r.Error) }
