package bunstore

import (
	"encoding/json"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/events"
)

// eventTopicRow is a row of kpbot_event_topics: a topic's seq counter.
type eventTopicRow struct {
	bun.BaseModel `bun:"table:kpbot_event_topics,alias:et"`

	Topic   string `bun:"topic,pk"`
	LastSeq int64  `bun:"last_seq"`
}

// eventRow is a row of kpbot_events. Data is a string so bun writes it as
// a text literal, which PostgreSQL takes as jsonb (a []byte would be
// written as bytea).
type eventRow struct {
	bun.BaseModel `bun:"table:kpbot_events,alias:ev"`

	Topic string    `bun:"topic,pk"`
	Seq   int64     `bun:"seq,pk"`
	Name  string    `bun:"name"`
	Data  string    `bun:"data"`
	At    time.Time `bun:"at"`
}

func (r *eventRow) event() events.Event {
	return events.Event{
		Topic: r.Topic,
		Seq:   r.Seq,
		Name:  r.Name,
		Data:  json.RawMessage(r.Data),
		At:    dbTime(r.At),
	}
}
