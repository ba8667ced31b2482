package events

import (
	"context"
	"time"
)

// MaxAfter is the most events Log.After returns at once; a limit of zero,
// below zero or above it means MaxAfter.
const MaxAfter = 1000

// Log stores events with a strictly rising sequence number per topic. It is
// the source of truth; the Bus only says where to look. Implementations
// are safe for concurrent use by many goroutines and many instances
// sharing one database.
type Log interface {
	// Append stores one event on each of topics (at least one, no
	// repeats), atomically: either every topic gets it, each with that
	// topic's next seq, or none does. Seqs count 1, 2, 3, ... per topic
	// with no holes or repeats, however many appenders race. data is
	// encoded with EncodeData. The stored events come back in the order of
	// topics, all with the same At.
	//
	// A topic's seq N+1 is never visible before its seq N: once a reader
	// sees seq N, After(topic, N-1, ...) returns it and everything before
	// it that retention kept.
	Append(ctx context.Context, name string, data any, topics ...string) ([]Event, error)
	// After returns up to limit events of topic with seq > since, oldest
	// first (see MaxAfter). An unknown topic has no events: empty, no
	// error. If the first event returned has seq > since+1, retention has
	// cut the ones between.
	After(ctx context.Context, topic string, since int64, limit int) ([]Event, error)
	// Last returns the seq of topic's latest event, 0 for an unknown topic.
	// Retention never lowers it.
	Last(ctx context.Context, topic string) (int64, error)
	// Prune deletes every event older than olderThan (zero: no age limit)
	// and every event with more than keepPerTopic newer events on its
	// topic (zero or less: no count limit), and returns how many it
	// deleted. Whichever limit is hit first removes an event. Seqs are
	// never reused: the next Append continues after the last seq ever
	// given, even if every event of the topic was pruned.
	Prune(ctx context.Context, olderThan time.Time, keepPerTopic int) (int, error)
}

// Notice tells a subscriber that a topic has a new event. It is a hint:
// the subscriber reads the event itself from the Log. Notices may come
// late, twice or out of order; ignore one whose Seq you have already read
// past.
type Notice struct {
	// Topic and Seq name the new event; both are zero when Lagged is set.
	Topic string
	Seq   int64
	// Lagged reports that notices for this subscriber were dropped (its
	// buffer was full, or a cross-instance adapter lost its connection for
	// a while). Every topic the subscriber follows may have events it was
	// not told about: re-read each from the Log after its last seen seq.
	Lagged bool
}

// Bus carries Notices between the publishers and subscribers of one
// instance or of many. Implementations are safe for concurrent use.
//
// Delivery contract:
//   - Publish never blocks on subscribers: each subscription has a bounded
//     buffer, and when it is full the Notice is dropped for that
//     subscriber, which gets a Notice{Lagged: true} instead (at most one
//     pending at a time). A slow subscriber so never slows the publisher
//     or the other subscribers, and always learns it missed something.
//   - Notices of one topic published one after another by one publisher
//     arrive in that order, unless dropped.
//   - A subscription sees every Notice published after Subscribe returned,
//     unless dropped (then Lagged says so).
type Bus interface {
	// Publish announces that topic has an event with seq. It returns once
	// the Notice is handed to the transport (in-process: delivered to
	// every subscriber's buffer); it does not wait for subscribers to
	// read.
	Publish(ctx context.Context, topic string, seq int64) error
	// Subscribe returns a channel of the Notices of every topic. The
	// subscription ends, and the channel is closed, when ctx is done or
	// the Bus is closed; that is the only way to unsubscribe. Filtering by
	// topic is the subscriber's business: an instance subscribes once and
	// fans out to its clients itself.
	Subscribe(ctx context.Context) (<-chan Notice, error)
	// Close ends every subscription (closing their channels), releases
	// the Bus's connections and makes later Publish and Subscribe calls
	// fail with ErrBusClosed. It is idempotent.
	Close() error
}
