package httpapi

import (
	"errors"
	"net/http"

	"github.com/kpbot/kpbot/campaign"
)

// campaignProblem maps the campaign domain's errors: not found 404,
// forbidden 403, a reviewed draft 409, and invalid input 422 listing every
// offending field. It returns nil for other errors.
func campaignProblem(err error) *Problem {
	switch {
	case errors.Is(err, campaign.ErrNotFound):
		return NewProblem(http.StatusNotFound, "not found")
	case errors.Is(err, campaign.ErrForbidden):
		return NewProblem(http.StatusForbidden, "you do not have permission to do this")
	case errors.Is(err, campaign.ErrNotEditable):
		return NewProblem(http.StatusConflict, "the comment was already reviewed; its body can no longer change")
	case errors.Is(err, campaign.ErrAlreadyReviewed):
		return NewProblem(http.StatusConflict, "the comment was already reviewed")
	}
	ves := campaign.ValidationErrors(err)
	if len(ves) == 0 {
		return nil
	}
	p := NewProblem(http.StatusUnprocessableEntity, "validation failed")
	for _, ve := range ves {
		p.WithField(fieldLocation(ve.Field), ve.Message)
	}
	return p
}
