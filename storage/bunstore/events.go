package bunstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kpbot/kpbot/events"
)

// Events is the event log: events in kpbot_events, keyed by (topic, seq),
// and one counter row per topic in kpbot_event_topics holding the topic's
// last seq.
//
// Append takes each topic's next seq with
//
//	INSERT ... ON CONFLICT (topic) DO UPDATE SET last_seq = last_seq + 1 RETURNING
//
// inside the transaction that stores the events. On PostgreSQL the counter
// row stays locked until commit, which serialises appends to one topic
// across every connection and instance; on SQLite the immediate
// transaction (storage/sqlite.Open's default) holds the database's write
// lock. Either way seq N+1 cannot commit before seq N, so readers never see
// a hole that later fills in. Topics are locked in sorted order, so
// appends to overlapping sets of topics cannot deadlock.
//
// Events does not notify anyone: events.Publisher announces stored events
// on an events.Bus after the commit (the PostgreSQL Bus sends pg_notify
// then). Keeping NOTIFY out of the store keeps the store independent of
// the Bus adapter chosen; the cost is a small window where a process that
// dies between commit and publish leaves an event unannounced until the
// topic's next Notice or a subscriber's next read, which the Log-is-truth
// contract tolerates.
type Events struct {
	db    bun.IDB
	now   func() time.Time
	batch int // events one Prune statement deletes at most
}

// pruneBatch is how many events one Prune statement deletes at most, so
// a large backlog goes in many short transactions rather than one that
// holds its locks and its undo for minutes.
const pruneBatch = 5000

var _ events.Log = (*Events)(nil)

// EventsOption configures Events.
type EventsOption func(*Events)

// WithEventClock sets the clock that stamps events (default time.Now).
func WithEventClock(now func() time.Time) EventsOption {
	return func(e *Events) { e.now = now }
}

// NewEvents returns the event log over db, a *bun.DB or a bun.Tx.
func NewEvents(db bun.IDB, opts ...EventsOption) *Events {
	e := &Events{db: db, now: time.Now}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Append stores one event on every topic atomically, each with that
// topic's next seq; see events.Log.
func (st *Events) Append(ctx context.Context, name string, data any, topics ...string) ([]events.Event, error) {
	if err := events.CheckName(name); err != nil {
		return nil, fmt.Errorf("append event: %w", err)
	}
	if err := checkTopics(topics); err != nil {
		return nil, fmt.Errorf("append %s: %w", name, err)
	}
	raw, err := events.EncodeData(data)
	if err != nil {
		return nil, fmt.Errorf("append %s: %w", name, err)
	}
	at := dbTime(st.now())
	sorted := slices.Sorted(slices.Values(topics))
	seqs := make(map[string]int64, len(topics))
	err = st.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		clear(seqs)
		if err := nextSeqs(ctx, tx, sorted, seqs); err != nil {
			return err
		}
		rows := make([]eventRow, len(sorted))
		for i, topic := range sorted {
			rows[i] = eventRow{Topic: topic, Seq: seqs[topic], Name: name, Data: string(raw), At: at}
		}
		if _, err := tx.NewInsert().Model(&rows).Exec(ctx); err != nil {
			return fmt.Errorf("insert events: %w", mapErr(err))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("append %s to %s: %w", name, strings.Join(topics, ","), err)
	}
	evs := make([]events.Event, len(topics))
	for i, topic := range topics {
		evs[i] = events.Event{Topic: topic, Seq: seqs[topic], Name: name, Data: raw, At: at}
	}
	return evs, nil
}

// nextSeqs bumps the counter row of every topic (creating missing ones at
// 1), in the order given, and records each topic's new last seq.
func nextSeqs(ctx context.Context, tx bun.Tx, topics []string, seqs map[string]int64) error {
	var q strings.Builder
	q.WriteString("INSERT INTO kpbot_event_topics (topic, last_seq) VALUES ")
	args := make([]any, len(topics))
	for i, topic := range topics {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, 1)")
		args[i] = topic
	}
	q.WriteString(" ON CONFLICT (topic) DO UPDATE SET last_seq = kpbot_event_topics.last_seq + 1" +
		" RETURNING topic, last_seq")
	var got []eventTopicRow
	if err := tx.NewRaw(q.String(), args...).Scan(ctx, &got); err != nil {
		return fmt.Errorf("take next seqs: %w", mapErr(err))
	}
	for _, r := range got {
		seqs[r.Topic] = r.LastSeq
	}
	if len(seqs) != len(topics) {
		return fmt.Errorf("take next seqs: %d counters came back for %d topics", len(seqs), len(topics))
	}
	return nil
}

// checkTopics validates an Append's topic list: at least one, each valid,
// none repeated.
func checkTopics(topics []string) error {
	if len(topics) == 0 {
		return fmt.Errorf("%w: no topics", events.ErrInvalidEvent)
	}
	for i, topic := range topics {
		if err := events.CheckTopic(topic); err != nil {
			return err
		}
		if slices.Contains(topics[:i], topic) {
			return fmt.Errorf("%w: topic %s given twice", events.ErrInvalidEvent, topic)
		}
	}
	return nil
}

// After returns up to limit events of topic with seq > since, oldest
// first; see events.Log.
func (st *Events) After(ctx context.Context, topic string, since int64, limit int) ([]events.Event, error) {
	if err := events.CheckTopic(topic); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	if limit <= 0 || limit > events.MaxAfter {
		limit = events.MaxAfter
	}
	var rows []eventRow
	if err := st.db.NewSelect().Model(&rows).
		Where("topic = ?", topic).Where("seq > ?", since).
		OrderExpr("seq ASC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("read events of %s after %d: %w", topic, since, mapErr(err))
	}
	evs := make([]events.Event, len(rows))
	for i := range rows {
		evs[i] = rows[i].event()
	}
	return evs, nil
}

// Last returns topic's last seq, 0 when it has none; see events.Log.
func (st *Events) Last(ctx context.Context, topic string) (int64, error) {
	if err := events.CheckTopic(topic); err != nil {
		return 0, fmt.Errorf("read last seq: %w", err)
	}
	var seq int64
	err := st.db.NewSelect().Model((*eventTopicRow)(nil)).Column("last_seq").
		Where("topic = ?", topic).Scan(ctx, &seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read last seq of %s: %w", topic, mapErr(err))
	}
	return seq, nil
}

// Prune deletes events older than olderThan or beyond the newest
// keepPerTopic of their topic, pruneBatch at a time (each batch its own
// statement), and keeps every counter row so seqs are never reused; see
// events.Log. When ctx ends, what was deleted stays deleted and the
// count so far is returned with the error.
func (st *Events) Prune(ctx context.Context, olderThan time.Time, keepPerTopic int) (int, error) {
	var conds []string
	var args []any
	if !olderThan.IsZero() {
		conds = append(conds, "at < ?")
		args = append(args, dbTime(olderThan))
	}
	if keepPerTopic > 0 {
		conds = append(conds, "seq <= (SELECT t.last_seq - ? FROM kpbot_event_topics AS t WHERE t.topic = kpbot_events.topic)")
		args = append(args, keepPerTopic)
	}
	if len(conds) == 0 {
		return 0, nil
	}
	batch := st.batch
	if batch <= 0 {
		batch = pruneBatch
	}
	query := "DELETE FROM kpbot_events WHERE (topic, seq) IN (SELECT topic, seq FROM kpbot_events WHERE " +
		strings.Join(conds, " OR ") + " LIMIT ?)"
	args = append(args, batch)
	total := 0
	for {
		res, err := st.db.NewRaw(query, args...).Exec(ctx)
		if err != nil {
			return total, fmt.Errorf("prune events: %w", mapErr(err))
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune events: count deleted: %w", err)
		}
		total += int(n)
		if int(n) < batch {
			return total, nil
		}
	}
}

// Count returns how many events the log holds (every topic), for the
// event-log size gauge, read at every scrape. On PostgreSQL it is the
// planner's estimate (pg_class.reltuples, kept by autovacuum), since an
// exact count(*) scans the whole table on every scrape of every
// instance; before the table's first analyze it counts exactly.
func (st *Events) Count(ctx context.Context) (int, error) {
	if st.db.Dialect().Name() == dialect.PG {
		var estimate float64
		err := st.db.NewRaw("SELECT reltuples FROM pg_class WHERE oid = to_regclass('kpbot_events')").Scan(ctx, &estimate)
		if err == nil && estimate >= 0 {
			return int(estimate), nil
		}
	}
	n, err := st.db.NewSelect().Model((*eventRow)(nil)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count events: %w", mapErr(err))
	}
	return int(n), nil
}
