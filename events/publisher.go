package events

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// announceTimeout bounds how long Publisher waits for the Bus after the
// events are stored.
const announceTimeout = 5 * time.Second

// Publisher stores events in a Log and then announces each stored copy on
// a Bus, so live subscribers on every instance wake up and read it. The
// stored event is the truth: the Bus carries only its topic and seq.
type Publisher struct {
	log Log
	bus Bus
}

// NewPublisher returns a Publisher that appends to log and announces on
// bus; both are required.
func NewPublisher(log Log, bus Bus) (*Publisher, error) {
	if log == nil || bus == nil {
		return nil, errors.New("events: a publisher needs a log and a bus")
	}
	return &Publisher{log: log, bus: bus}, nil
}

// Publish appends one event to every topic (see Log.Append) and then
// publishes a Notice per topic. It returns the stored events. If storing
// fails, nothing was stored or announced. If storing succeeds but an
// announcement fails, it returns the stored events with an error wrapping
// ErrNotAnnounced; callers usually log that and go on, since subscribers
// catch up at the topic's next Notice or read. Announcements run even if
// ctx is cancelled after the append (bounded by a few seconds), so an
// event that was stored is not left unannounced by a caller giving up.
func (p *Publisher) Publish(ctx context.Context, name string, data any, topics ...string) ([]Event, error) {
	evs, err := p.log.Append(ctx, name, data, topics...)
	if err != nil {
		return nil, fmt.Errorf("publish %s: %w", name, err)
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), announceTimeout)
	defer cancel()
	var errs []error
	for _, ev := range evs {
		if err := p.bus.Publish(actx, ev.Topic, ev.Seq); err != nil {
			errs = append(errs, fmt.Errorf("announce %s #%d: %w", ev.Topic, ev.Seq, err))
		}
	}
	if len(errs) > 0 {
		return evs, fmt.Errorf("publish %s: %w: %w", name, ErrNotAnnounced, errors.Join(errs...))
	}
	return evs, nil
}
