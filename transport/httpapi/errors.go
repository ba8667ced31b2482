package httpapi

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/report"
	"github.com/kpbot/kpbot/storage"
)

// StatusClientClosedRequest is the status logged for a request whose
// client went away before the answer (nginx's 499); nobody receives it.
const StatusClientClosedRequest = 499

// databaseRetryAfter is the Retry-After of a 503 while the database is
// out of reach.
const databaseRetryAfter = 2 * time.Second

// ErrorMapper turns an error of another domain into a problem; it returns
// nil for errors it does not know.
type ErrorMapper func(err error) *Problem

// The challenges sent with every 401 (RFC 6750).
const (
	wwwAuthenticate       = `Bearer realm="kpbot"`
	invalidTokenChallenge = `Bearer realm="kpbot", error="invalid_token"`
)

// MapErrors adds mappers consulted, in order, before the built-in ones.
// Call it while wiring, before the server handles requests.
func (s *Server) MapErrors(m ...ErrorMapper) { s.mappers = append(s.mappers, m...) }

// Error turns any error a handler meets into the problem to send: the one
// place where domain errors become HTTP statuses. Unknown errors become a
// 500 whose body carries only an error id; the error itself is logged with
// that id. Handlers return its result: `return nil, s.Error(ctx, err)`.
func (s *Server) Error(ctx context.Context, err error) *Problem {
	if err == nil {
		return nil
	}
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	for _, m := range s.mappers {
		if p := m(err); p != nil {
			return p
		}
	}
	if bre, ok := errors.AsType[*BodyReadError](err); ok {
		// Before the outage checks: a client's body cut short is an
		// unexpected EOF, or a net error, that says nothing about the database.
		return bodyReadProblem(bre.Err)
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		// The client went away (or the request was aborted) mid-call:
		// nobody reads the answer, and it is no server error.
		return NewProblem(StatusClientClosedRequest, "the client closed the request")
	}
	var ue *auth.UnavailableError
	if errors.As(err, &ue) {
		// Expected while a dependency is down (the adapter logs the
		// outage once): not an internal error, and not logged per request.
		return ServiceUnavailable(ue.RetryAfter)
	}
	if storage.IsUnavailable(err) {
		// The database (or another backing service: the model server, a
		// blog an ad hoc call needed) is out of reach: the request was not
		// wrong and may be retried, so 503, not 500.
		s.log.WarnContext(ctx, "backing service unavailable", "request_id", RequestIDFrom(ctx), "error", err.Error())
		return ServiceUnavailable(databaseRetryAfter)
	}
	if p := mapKnown(err); p != nil {
		if p.Status >= 500 {
			return s.internal(ctx, err)
		}
		return p
	}
	return s.internal(ctx, err)
}

// mapKnown maps the errors of the auth, campaign and storage packages and
// of huma.
func mapKnown(err error) *Problem {
	if p := campaignProblem(err); p != nil {
		return p
	}
	if p := crewProblem(err); p != nil {
		return p
	}
	var ve *auth.ValidationError
	var rl *auth.RateLimitError
	var me *huma.ErrorModel
	var mbe *http.MaxBytesError
	var bre *BodyReadError
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		return unauthorized("invalid email or password", wwwAuthenticate)
	case errors.Is(err, auth.ErrTokenReused):
		return unauthorized("refresh token reuse detected; the session is revoked", invalidTokenChallenge)
	case errors.Is(err, auth.ErrInvalidToken):
		return unauthorized("invalid or expired token", invalidTokenChallenge)
	case errors.Is(err, auth.ErrRefreshGrace):
		return NewProblem(http.StatusConflict, "this refresh token was just rotated; use the newer one")
	case errors.Is(err, auth.ErrEmailTaken):
		return NewProblem(http.StatusConflict, "email already registered").WithField("body.email", "is already registered")
	case errors.Is(err, auth.ErrBadAccountToken):
		return NewProblem(http.StatusBadRequest, "this link is invalid or has expired; ask for a new one").WithField("body.token", "is invalid or expired")
	case errors.Is(err, auth.ErrRegistrationClosed):
		return NewProblem(http.StatusForbidden, "registration is by invitation only; ask an admin to invite you")
	case errors.Is(err, auth.ErrLastAdmin):
		return NewProblem(http.StatusUnprocessableEntity, auth.ErrLastAdmin.Error())
	case errors.Is(err, auth.ErrEmailUnverified):
		return NewProblem(http.StatusForbidden, auth.ErrEmailUnverified.Error())
	case errors.Is(err, auth.ErrAccountDisabled):
		return NewProblem(http.StatusForbidden, "account disabled")
	case errors.Is(err, auth.ErrForbidden):
		return NewProblem(http.StatusForbidden, "you do not have permission to do this")
	case errors.Is(err, auth.ErrNotFound), errors.Is(err, storage.ErrNotFound):
		return NewProblem(http.StatusNotFound, "not found")
	case errors.As(err, &ve):
		return NewProblem(http.StatusUnprocessableEntity, "validation failed").
			WithField(fieldLocation(ve.Field), ve.Message)
	case errors.As(err, &rl):
		return TooManyRequests(rl.RetryAfter)
	case errors.Is(err, storage.ErrInvalidCursor):
		return NewProblem(http.StatusUnprocessableEntity, "validation failed").
			WithField("query.cursor", "is not a valid cursor")
	case errors.As(err, &mbe):
		return NewProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit))
	case errors.As(err, &bre):
		return bodyReadProblem(bre.Err)
	case errors.As(err, &me):
		return problemFromModel(me)
	}
	return nil
}

// fieldLocation places a domain field name in the request: the query for
// pagination and listing fields, the body for the rest.
func fieldLocation(field string) string {
	switch field {
	case "cursor", "limit", "sort", "q", "min_relevance":
		return "query." + field
	}
	return "body." + field
}

func unauthorized(detail, challenge string) *Problem {
	return NewProblem(http.StatusUnauthorized, detail).WithHeader("WWW-Authenticate", challenge)
}

// TooManyRequests is a 429 problem with a Retry-After of retry rounded up
// to whole seconds (at least 1).
func TooManyRequests(retry time.Duration) *Problem {
	secs := max(int64(math.Ceil(retry.Seconds())), 1)
	return NewProblem(http.StatusTooManyRequests, fmt.Sprintf("too many requests; retry after %d s", secs)).
		WithHeader("Retry-After", strconv.FormatInt(secs, 10))
}

// ServiceUnavailable is a 503 problem with a Retry-After of retry rounded
// up to whole seconds (at least 1).
func ServiceUnavailable(retry time.Duration) *Problem {
	secs := max(int64(math.Ceil(retry.Seconds())), 1)
	return NewProblem(http.StatusServiceUnavailable, fmt.Sprintf("temporarily unavailable; retry after %d s", secs)).
		WithHeader("Retry-After", strconv.FormatInt(secs, 10))
}

// internal reports err under a new error id and returns a 500 that
// carries only that id. The report carries the stack the first time its
// site (the route and the line that called Error) fails, as for panics.
func (s *Server) internal(ctx context.Context, err error) *Problem {
	id := report.NewID()
	site := "unknown"
	if _, file, line, ok := runtime.Caller(2); ok { // internal ← Error ← the handler
		site = file + ":" + strconv.Itoa(line)
	}
	ev := report.Event{Message: "request failed", Err: err, ErrorID: id, Site: site}
	if s.panics.first("error " + stateFrom(ctx).route + " " + site) {
		ev.Stack = []byte(truncate(string(debug.Stack()), maxStack))
	}
	s.report(ctx, ev)
	p := NewProblem(http.StatusInternalServerError, "internal error; quote error_id "+id+" when reporting it")
	p.ErrorID = id
	return p
}

// report sends ev to the Reporter with the request's id, matched route
// and caller filled in.
func (s *Server) report(ctx context.Context, ev report.Event) {
	st := stateFrom(ctx)
	ev.RequestID, ev.Route = st.id, st.route
	if ev.TraceID == "" {
		ev.TraceID = traceID(ctx)
	}
	if st.principal != nil {
		ev.UserID = st.principal.User.ID
	}
	s.reporter.Report(ctx, ev)
}
