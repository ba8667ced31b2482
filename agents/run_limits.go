package agents

import (
	"errors"
	"fmt"
)

// ErrTooManyRuns means starting another run would pass a concurrency limit.
// The HTTP layer answers it with 429 Too Many Requests.
var ErrTooManyRuns = errors.New("too many active runs")

// Limit scopes of RunLimitError.
const (
	LimitPerUser = "user"  // the owner's queued and running runs
	LimitTotal   = "total" // every queued and running run
)

// RunLimitError says which limit a refused run would have passed; it
// matches ErrTooManyRuns with errors.Is.
type RunLimitError struct {
	Scope  string // LimitPerUser or LimitTotal
	Limit  int    // the configured maximum
	Active int    // queued and running runs counted
}

// Error describes the limit.
func (e *RunLimitError) Error() string {
	return fmt.Sprintf("%s: %d of %d %s runs already queued or running", ErrTooManyRuns, e.Active, e.Limit, e.Scope)
}

// Is makes errors.Is(err, ErrTooManyRuns) true.
func (e *RunLimitError) Is(target error) bool { return target == ErrTooManyRuns }
