package events

import "errors"

// Errors of the event ports, shared by every adapter.
var (
	// ErrInvalidTopic: a topic string that is empty, too long or malformed.
	ErrInvalidTopic = errors.New("events: invalid topic")
	// ErrInvalidEvent: an event that cannot be stored (bad name, data that
	// is not JSON, no topics or the same topic twice).
	ErrInvalidEvent = errors.New("events: invalid event")
	// ErrBusClosed: Publish or Subscribe on a Bus after Close.
	ErrBusClosed = errors.New("events: bus closed")
	// ErrNotAnnounced: Publisher stored the events but could not publish
	// every Notice; the events are safe in the Log and subscribers see them
	// with the topic's next Notice or their next read.
	ErrNotAnnounced = errors.New("events: stored but not announced")
)
