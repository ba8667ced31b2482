package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/campaign/outreach"
)

// runLimitRetry is the Retry-After of a refused run: runs take minutes,
// so asking again much sooner only wastes a request.
const runLimitRetry = 30 * time.Second

// crewProblem maps the crew's and the runs' errors: too many active runs
// 429, a finished or archived run 409, an invalid brief or unreadable
// seeds 422, an ad hoc call past its time bound 504. It returns nil for
// other errors.
func crewProblem(err error) *Problem {
	var rl *agents.RunLimitError
	switch {
	case errors.As(err, &rl):
		p := TooManyRequests(runLimitRetry)
		p.Detail = rl.Error() + "; wait for one to finish or cancel one"
		return p
	case errors.Is(err, agents.ErrTooManyRuns):
		return TooManyRequests(runLimitRetry)
	case errors.Is(err, agents.ErrRunFinished):
		return NewProblem(http.StatusConflict, "the run has already finished")
	case errors.Is(err, outreach.ErrCampaignArchived):
		return NewProblem(http.StatusConflict, outreach.ErrCampaignArchived.Error())
	case errors.Is(err, agents.ErrInvalidBrief):
		return NewProblem(http.StatusUnprocessableEntity, err.Error())
	case errors.Is(err, outreach.ErrNothingFound):
		return NewProblem(http.StatusUnprocessableEntity, "none of the seed URLs could be read").WithField("body.seed_urls", err.Error())
	case errors.Is(err, outreach.ErrTooSlow):
		return NewProblem(http.StatusGatewayTimeout, err.Error())
	}
	return nil
}
