package realtime

import (
	"context"
	"encoding/json"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/kpbot/kpbot/events"
)

// topicState is a topic some socket of this hub follows. seq is how far
// the hub has read the topic for its live followers: every event up to
// seq has been handed to every follower that was live at the time.
type topicState struct {
	name      string
	seq       int64
	followers map[*follow]struct{}
}

// follow is one socket following one topic. cursor is the last seq
// queued to the socket. While replaying, the socket's own goroutine reads
// the Log and owns cursor; once live (set under h.mu, when the replay has
// caught up with the hub's seq) the hub's readers queue new events and
// move cursor, under h.mu.
type follow struct {
	c       *client
	ts      *topicState
	cursor  int64
	live    bool
	removed bool
}

// waiter is one long-poll waiting for an event on a topic after a seq.
type waiter struct {
	after int64
	ch    chan struct{}
}

// The hub's wait between failed Bus subscriptions, doubling from
// resubscribeFloor to resubscribeCeiling.
const (
	resubscribeFloor   = 100 * time.Millisecond
	resubscribeCeiling = 10 * time.Second
)

// busLoop follows the Bus and marks the topics it announces dirty, for
// the readers; on Lagged (or a new subscription) every topic is dirty.
// It never touches the database, so it keeps up with the Bus.
func (h *Hub) busLoop() {
	defer h.wg.Done()
	backoff := resubscribeFloor
	for h.ctx.Err() == nil {
		notices, err := h.deps.Bus.Subscribe(h.ctx)
		if err != nil {
			h.log.Error("realtime hub: subscribe to the bus", "error", err.Error())
			select {
			case <-time.After(backoff):
				backoff = min(2*backoff, resubscribeCeiling)
				continue
			case <-h.ctx.Done():
				return
			}
		}
		backoff = resubscribeFloor
		h.notice(events.Notice{Lagged: true}) // anything before this subscription
		for n := range notices {
			h.notice(n)
		}
	}
}

func (h *Hub) notice(n events.Notice) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if n.Lagged {
		for _, ts := range h.topics {
			h.dirty[ts] = time.Time{} // now
		}
		for topic := range h.waiters {
			h.wakeLocked(topic, -1)
		}
		h.work.Broadcast()
		return
	}
	if ts := h.topics[n.Topic]; ts != nil && n.Seq > ts.seq {
		if _, ok := h.dirty[ts]; !ok {
			h.dirty[ts] = time.Now().Add(h.cfg.Coalesce)
		}
		h.work.Signal()
	}
	h.wakeLocked(n.Topic, n.Seq)
}

// wakeLocked releases the waiters of topic waiting for an event before
// seq (seq < 0: all of them).
func (h *Hub) wakeLocked(topic string, seq int64) {
	for w := range h.waiters[topic] {
		if seq < 0 || seq > w.after {
			close(w.ch)
			delete(h.waiters[topic], w)
		}
	}
	if len(h.waiters[topic]) == 0 {
		delete(h.waiters, topic)
	}
}

// WaitAfter wakes long-polls of GET /api/events (httpapi.EventWaiter)
// long-polls: the channel closes when the Bus announces an event of topic
// after seq (or lags).
func (h *Hub) WaitAfter(topic string, after int64) (<-chan struct{}, func()) {
	w := &waiter{after: after, ch: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		close(w.ch)
		return w.ch, func() {}
	}
	if h.waiters[topic] == nil {
		h.waiters[topic] = map[*waiter]struct{}{}
	}
	h.waiters[topic][w] = struct{}{}
	return w.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if ws := h.waiters[topic]; ws != nil {
			delete(ws, w)
			if len(ws) == 0 {
				delete(h.waiters, topic)
			}
		}
	}
}

// readerLoop reads dirty topics from the Log and hands the new events to
// their live followers; each topic is read by one reader at a time.
func (h *Hub) readerLoop() {
	defer h.wg.Done()
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		ts := h.nextDirtyLocked()
		for ts == nil && !h.closed {
			h.work.Wait()
			ts = h.nextDirtyLocked()
		}
		if h.closed {
			return
		}
		delete(h.dirty, ts)
		h.inflight[ts] = struct{}{}
		h.mu.Unlock()
		h.readTopic(ts)
		h.mu.Lock()
		delete(h.inflight, ts)
		if _, again := h.dirty[ts]; again {
			h.work.Signal()
		}
	}
}

// nextDirtyLocked returns a dirty topic that is due and not being read,
// or nil; then, when a topic is waiting out Coalesce, the readers are
// woken when it is due.
func (h *Hub) nextDirtyLocked() *topicState {
	var now, next time.Time
	for ts, at := range h.dirty {
		if _, busy := h.inflight[ts]; busy {
			continue
		}
		if at.IsZero() {
			return ts
		}
		if now.IsZero() {
			now = time.Now()
		}
		if !at.After(now) {
			return ts
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	if !next.IsZero() && (h.wakeAt.IsZero() || next.Before(h.wakeAt)) {
		h.wakeAt = next
		if h.wake == nil {
			h.wake = time.AfterFunc(next.Sub(now), h.wakeReaders)
		} else {
			h.wake.Reset(next.Sub(now))
		}
	}
	return nil
}

// wakeReaders wakes the readers when a coalesced topic is due.
func (h *Hub) wakeReaders() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.wakeAt = time.Time{}
	h.work.Broadcast()
}

// readTopic reads ts after the hub's seq until it has everything, handing
// each page to the live followers.
func (h *Hub) readTopic(ts *topicState) {
	for {
		h.mu.Lock()
		from := ts.seq
		h.mu.Unlock()
		ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
		evs, err := h.deps.Log.After(ctx, ts.name, from, h.cfg.ReplayPage)
		cancel()
		if err != nil {
			if h.ctx.Err() == nil {
				h.log.Error("realtime hub: read events", "topic", ts.name, "after", from, "error", err.Error())
				h.retryLater(ts)
			}
			return
		}
		if len(evs) == 0 {
			return
		}
		msgs := make([]frame, len(evs))
		for i, ev := range evs {
			msgs[i] = encodeEvent(ev)
		}
		sent := 0
		var ready []*client
		h.mu.Lock()
		ts.seq = max(ts.seq, evs[len(evs)-1].Seq)
		for f := range ts.followers {
			if !f.live {
				continue
			}
			for i, ev := range evs {
				if ev.Seq <= f.cursor {
					continue
				}
				ok, start := f.c.enqueue(msgs[i])
				if start {
					ready = append(ready, f.c)
				}
				if !ok {
					// The page does not fit the client's queue (the
					// readers fell behind, or the client did): it catches
					// up from the Log at its own pace, then goes live
					// again. A client that stops reading is dropped by
					// its writer's timeout.
					f.live = false
					go h.replay(f, events.ClientTopic(ts.name))
					break
				}
				f.cursor = ev.Seq
				sent++
			}
		}
		h.mu.Unlock()
		flushAll(ready)
		h.m.sent.Add(float64(sent))
		if len(evs) < h.cfg.ReplayPage {
			return
		}
	}
}

// flushAll flushes clients on as many goroutines as there are processors.
func flushAll(clients []*client) {
	workers := min(runtime.GOMAXPROCS(0), (len(clients)+63)/64)
	if workers <= 1 {
		for _, c := range clients {
			c.flush()
		}
		return
	}
	var wg sync.WaitGroup
	per := (len(clients) + workers - 1) / workers
	for part := range slices.Chunk(clients, per) {
		wg.Go(func() {
			for _, c := range part {
				c.flush()
			}
		})
	}
	wg.Wait()
}

// retryLater marks ts dirty again after a pause, after a failed read.
func (h *Hub) retryLater(ts *topicState) {
	time.AfterFunc(time.Second, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.topics[ts.name] == ts {
			h.dirty[ts] = time.Time{}
			h.work.Signal()
		}
	})
}

// encodeEvent is the framed event message of ev, shared by every follower.
func encodeEvent(ev events.Event) frame {
	b, err := json.Marshal(newEventMessage(ev))
	if err != nil { // Data is valid JSON from the Log; keep the seq anyway
		b = mustJSON(newEventMessage(events.Event{Topic: ev.Topic, Seq: ev.Seq, Name: ev.Name, Data: json.RawMessage("null"), At: ev.At}))
	}
	return textFrame(b)
}

// addFollow makes c follow topic from cursor (in replay); last is the
// topic's last seq read just before, the hub's seq for a new topic. It
// replaces an existing follow of the same topic and reports false when c
// already follows MaxTopicsPerSocket other topics.
func (h *Hub) addFollow(c *client, topic string, cursor, last int64) (*follow, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if old := c.follows[topic]; old != nil {
		h.removeFollowLocked(old)
	}
	if len(c.follows) >= h.cfg.MaxTopicsPerSocket {
		return nil, false
	}
	ts := h.topics[topic]
	if ts == nil {
		ts = &topicState{name: topic, seq: last, followers: map[*follow]struct{}{}}
		h.topics[topic] = ts
	}
	f := &follow{c: c, ts: ts, cursor: cursor}
	ts.followers[f] = struct{}{}
	c.follows[topic] = f
	return f, true
}

// removeFollow ends c's follow of topic, if any.
func (h *Hub) removeFollow(c *client, topic string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if f := c.follows[topic]; f != nil {
		h.removeFollowLocked(f)
	}
}

func (h *Hub) removeFollowLocked(f *follow) {
	f.removed = true
	delete(f.ts.followers, f)
	if f.c.follows[f.ts.name] == f {
		delete(f.c.follows, f.ts.name)
	}
	if len(f.ts.followers) == 0 && h.topics[f.ts.name] == f.ts {
		delete(h.topics, f.ts.name)
		delete(h.dirty, f.ts)
	}
}

// replay queues the stored events after f's cursor, page by page, until
// it has caught up with the hub's seq for the topic; then the follow goes
// live and the hub's readers continue with no gap and no duplicate.
func (h *Hub) replay(f *follow, clientTopic string) {
	for {
		h.mu.Lock()
		removed := f.removed
		h.mu.Unlock()
		if removed {
			return
		}
		ctx, cancel := context.WithTimeout(h.ctx, 30*time.Second)
		evs, err := h.deps.Log.After(ctx, f.ts.name, f.cursor, h.cfg.ReplayPage)
		cancel()
		if err != nil {
			if h.ctx.Err() == nil {
				h.log.Error("realtime hub: replay events", "topic", f.ts.name, "after", f.cursor, "error", err.Error())
				h.removeFollow(f.c, f.ts.name)
				f.c.sendOrDrop(jsonFrame(errorMessage{Type: "error", Code: CodeInternal, Topic: clientTopic,
					Message: "could not read the topic's events; subscribe again with since"}))
			}
			return
		}
		for _, ev := range evs {
			if !f.c.waitRoom() || !f.c.sendOrDrop(encodeEvent(ev)) {
				return
			}
			f.cursor = ev.Seq
			h.m.sent.Inc()
		}
		if len(evs) < h.cfg.ReplayPage {
			h.mu.Lock()
			if f.removed || f.ts.seq <= f.cursor {
				f.live = !f.removed
				h.mu.Unlock()
				return
			}
			h.mu.Unlock()
		}
	}
}
