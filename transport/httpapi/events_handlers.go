package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
)

// MaxEventsWait is the longest long-poll GET /api/events accepts.
const MaxEventsWait = 25 * time.Second

// Long-poll backoff when no EventWaiter is given: the log is re-read after
// pollMin, doubling up to pollMax.
const (
	pollMin = 100 * time.Millisecond
	pollMax = 2 * time.Second
)

// EventWaiter wakes long-polls. WaitAfter returns a channel closed once
// topic may have an event with a seq above after (a hint: the caller
// re-reads the Log), and a release function the caller must call when it
// stops waiting. The WebSocket hub implements it over its Bus
// subscription.
type EventWaiter interface {
	WaitAfter(topic string, after int64) (ready <-chan struct{}, release func())
}

// EventMessage is one stored event, in the same shape as the WebSocket
// hub's event messages.
type EventMessage struct {
	Type  string          `json:"type" enum:"event" doc:"Always \"event\"."`
	Topic string          `json:"topic" doc:"The topic as the caller spells it: \"user\" for the caller's own user topic."`
	Seq   int64           `json:"seq" doc:"1, 2, 3, ... per topic; a jump means retention removed older events."`
	Event string          `json:"event" doc:"run.queued, run.started, run.progress, run.succeeded, run.failed, run.cancelled, run.warning, prospect.found, comment.drafted, comment.reviewed, notification, ..."`
	Data  json.RawMessage `json:"data" doc:"The event's payload."`
	At    time.Time       `json:"at" doc:"When the event was stored (RFC 3339, UTC)."`
}

// NewEventMessage returns the message of a stored event.
func NewEventMessage(ev events.Event) EventMessage {
	return EventMessage{Type: "event", Topic: events.ClientTopic(ev.Topic), Seq: ev.Seq, Event: ev.Name, Data: ev.Data, At: ev.At.UTC()}
}

// EventList is a page of one topic's stored events, oldest first.
type EventList struct {
	Items     []EventMessage `json:"items"`
	NextSince int64          `json:"next_since" doc:"Pass as since to continue: the seq of the last item, or since when there was none."`
}

type listEventsInput struct {
	Topic string `query:"topic" required:"true" minLength:"1" maxLength:"200" doc:"user (your own notifications), campaign:<id> or run:<id>."`
	Since int64  `query:"since" minimum:"0" default:"0" doc:"Return events with a seq above this."`
	Limit int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Wait  int    `query:"wait" minimum:"0" maximum:"25" default:"0" doc:"Long-poll: when there is no event after since, wait up to this many seconds for one."`
}

type listEventsOutput struct {
	CacheControl string `header:"Cache-Control"`
	Body         EventList
}

// TopicAuthorizer decides whether p may read topic, a full topic
// ("user:<id>", "campaign:<id>", "run:<id>"): nil for yes, an error
// wrapping notify.ErrTopicForbidden for no, any other error when it could
// not tell. notify.TopicRights is one; the WebSocket hub shares it.
type TopicAuthorizer interface {
	Authorize(ctx context.Context, p *auth.Principal, topic string) error
}

// EventsDeps serve GET /api/events.
type EventsDeps struct {
	// Log is where the events are read; nil leaves GET /api/events out.
	Log events.Log
	// Rights decides which topics a caller may read, as for a WebSocket
	// subscription; required with Log.
	Rights TopicAuthorizer
	// Waiter wakes long-polls at once (the WebSocket hub is one); nil
	// re-reads the log with backoff (100 ms doubling to 2 s) instead.
	Waiter EventWaiter
}

// registerEvents adds GET /api/events (Deps.Events), the fallback for
// clients without WebSockets: the stored events of one topic after since,
// with the same rights as a WebSocket subscription, optionally
// long-polling up to 25 s.
func (s *Server) registerEvents() {
	log, rights, waiter := s.deps.Events.Log, s.deps.Events.Rights, s.deps.Events.Waiter
	huma.Register(s.api, huma.Operation{
		OperationID: "list-events", Method: http.MethodGet, Path: "/api/events", Tags: []string{"events"},
		Summary: "Read a topic's stored events (WebSocket fallback)",
		Description: "Returns the stored events of one topic with a seq above `since`, oldest first, in the " +
			"WebSocket hub's event shape. Continue with `since=next_since`. With `wait=N` (at most 25) and nothing " +
			"to return, the request waits up to N seconds for a new event before answering an empty page. " +
			"A topic the caller may not read (another user's, or a campaign or run the caller cannot see, " +
			"existing or not) is 403. The WebSocket endpoint GET /api/ws carries the same events live; see the " +
			"realtime package documentation for its protocol.",
		Security: BearerSecurity(),
		Errors:   []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *listEventsInput) (*listEventsOutput, error) {
		p := mustPrincipal(ctx)
		topic, err := events.ResolveTopic(p.User.ID, in.Topic) // mustPrincipal: p.User is set
		if err != nil {
			return nil, NewProblem(http.StatusUnprocessableEntity, "validation failed").
				WithField("query.topic", "must be user, campaign:<id> or run:<id>")
		}
		if err := rights.Authorize(ctx, p, topic); err != nil {
			if !errors.Is(err, notify.ErrTopicForbidden) {
				return nil, s.Error(ctx, err)
			}
			return nil, NewProblem(http.StatusForbidden, "you may not read this topic")
		}
		evs, err := readEvents(ctx, log, waiter, s.Draining(), topic, in.Since, in.Limit, time.Duration(in.Wait)*time.Second)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		out := EventList{Items: make([]EventMessage, len(evs)), NextSince: in.Since}
		for i, ev := range evs {
			out.Items[i] = NewEventMessage(ev)
			out.NextSince = ev.Seq
		}
		return &listEventsOutput{CacheControl: "no-store", Body: out}, nil
	})
}

// readEvents reads topic after since; with nothing there and wait > 0 it
// waits for an event (woken by waiter, or polling the log) until wait
// ends or draining closes, which makes it read once more and answer.
func readEvents(ctx context.Context, log events.Log, waiter EventWaiter, draining <-chan struct{}, topic string, since int64, limit int, wait time.Duration) ([]events.Event, error) {
	select {
	case <-draining:
		wait = 0 // shutting down: answer with what there is now
	default:
	}
	var deadline <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		deadline = t.C
	}
	backoff := pollMin
	woken := false // the waiter woke us last time and the log had nothing
	for {
		var ready <-chan struct{}
		release := func() {}
		if waiter != nil && wait > 0 && !woken {
			ready, release = waiter.WaitAfter(topic, since)
		}
		// After a wake-up that found nothing (a closed hub wakes every
		// waiter at once, forever) the next wait polls with backoff, so a
		// long-poll never spins on the log.
		woken = false
		evs, err := log.After(ctx, topic, since, limit)
		if err != nil || len(evs) > 0 || wait <= 0 {
			release()
			return evs, err
		}
		var poll <-chan time.Time
		if ready == nil {
			pt := time.NewTimer(backoff)
			poll = pt.C
			release = func() { pt.Stop() }
			backoff = min(2*backoff, pollMax)
		}
		select {
		case <-ready:
			release()
			woken = true
		case <-poll:
			release()
		case <-deadline:
			release()
			return nil, nil
		case <-draining:
			release()
			wait = 0 // read once more, then answer whatever there is
			continue
		case <-ctx.Done():
			release()
			return nil, ctx.Err()
		}
	}
}
