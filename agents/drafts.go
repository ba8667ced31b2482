package agents

import (
	"context"
	"encoding/json"
	"slices"
	"sync"
)

// analysisOutput is the analysis task's output: its prospects, best
// first, and, in the execution that analysed them, the drafts it started
// for the prospects it was certain of. Its checkpoint is the prospects
// alone, so a resumed run drafts them afresh.
type analysisOutput struct {
	Prospects []ProspectResult
	drafts    *drafts
}

// MarshalJSON writes the checkpoint: the prospects.
func (o analysisOutput) MarshalJSON() ([]byte, error) { return json.Marshal(o.Prospects) }

// UnmarshalJSON reads a checkpoint.
func (o *analysisOutput) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &o.Prospects) }

// drafts writes a run's drafts, at most conc model calls at once, in the
// order they are asked for. Every draft is written knowing the same
// drafts, those the campaign had before (known), so its text depends on
// neither when it was started nor what was written alongside it; the crew
// checks it against the run's drafts stored before it when storing it
// (docs/architecture.md, "How data flows").
type drafts struct {
	writer Writer
	b      Brief
	known  []string // clipped: appending copies
	conc   int
	ctx    context.Context
	stop   context.CancelFunc
	wg     sync.WaitGroup

	mu      sync.Mutex
	queue   []*pending
	running int                 // workers
	early   map[string]*pending // started for certain prospects, by key, until claimed
	drafted map[string]bool     // prospects drafted before: never started early
	closed  bool
	changed chan struct{} // signalled (never blocking) when a draft is done
}

// pending is one draft being written.
type pending struct {
	p      ProspectResult
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{} // closed once d and err are set
	// redo, when set, writes this draft instead of the writer's Draft:
	// a redraft of a near-copy.
	redo func(ctx context.Context) (DraftResult, error)
	d    DraftResult
	err  error
}

// finished reports whether the draft is written (or failed).
func (w *pending) finished() bool {
	select {
	case <-w.done:
		return true
	default:
		return false
	}
}

func newDrafts(ctx context.Context, w Writer, b Brief, known []string, conc int) *drafts {
	dctx, stop := context.WithCancel(ctx)
	return &drafts{writer: w, b: b, known: slices.Clip(known), conc: max(conc, 1), ctx: dctx, stop: stop,
		early: map[string]*pending{}, changed: make(chan struct{}, 1)}
}

// submit queues a draft for p and returns it.
func (ds *drafts) submit(p ProspectResult) *pending {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.submitLocked(p)
}

func (ds *drafts) submitLocked(p ProspectResult) *pending {
	return ds.enqueueLocked(p, nil)
}

// redraft queues, ahead of the first drafts waiting, a redraft of p's
// near-copy written by redo, and returns it. It counts toward the model
// calls written at once like any draft.
func (ds *drafts) redraft(p ProspectResult, redo func(ctx context.Context) (DraftResult, error)) *pending {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.enqueueLocked(p, redo)
}

func (ds *drafts) enqueueLocked(p ProspectResult, redo func(ctx context.Context) (DraftResult, error)) *pending {
	ctx, cancel := context.WithCancel(ds.ctx)
	w := &pending{p: p, ctx: ctx, cancel: cancel, done: make(chan struct{}), redo: redo}
	if ds.closed {
		cancel()
		w.err = context.Canceled
		close(w.done)
		return w
	}
	if redo != nil {
		// Redrafts unblock the drafts stored in order: first in line
		// after the redrafts already waiting.
		at := 0
		for at < len(ds.queue) && ds.queue[at].redo != nil {
			at++
		}
		ds.queue = slices.Insert(ds.queue, at, w)
	} else {
		ds.queue = append(ds.queue, w)
	}
	if ds.running < ds.conc {
		ds.running++
		ds.wg.Go(ds.work)
	}
	return w
}

// startEarly starts the draft of a prospect analysis is certain to keep,
// unless it needs none (no comments, drafted before) or has no text.
func (ds *drafts) startEarly(p ProspectResult) {
	key := p.Key()
	ds.mu.Lock()
	defer ds.mu.Unlock()
	if ds.closed || !p.AcceptsComments || p.Text == "" || ds.drafted[key] || ds.early[key] != nil {
		return
	}
	ds.early[key] = ds.submitLocked(p)
}

// claim returns the draft started early for the prospect with key, if
// any, which is then the caller's.
func (ds *drafts) claim(key string) *pending {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	w := ds.early[key]
	delete(ds.early, key)
	return w
}

// unqueue drops the early drafts no worker has started: the crew starts
// them again, in order, if it still wants them.
func (ds *drafts) unqueue() {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	kept := ds.queue[:0]
	for _, w := range ds.queue {
		if w.redo != nil {
			kept = append(kept, w)
			continue
		}
		w.cancel()
		delete(ds.early, w.p.Key())
	}
	clear(ds.queue[len(kept):])
	ds.queue = kept
}

// close stops the drafts still being written, waits for them and returns
// the early ones nobody claimed, each finished.
func (ds *drafts) close() []*pending {
	ds.mu.Lock()
	ds.closed = true
	left := make([]*pending, 0, len(ds.early))
	for _, w := range ds.early {
		left = append(left, w)
	}
	ds.early = nil
	ds.mu.Unlock()
	ds.stop()
	ds.wg.Wait()
	return left
}

// work writes queued drafts until none is left.
func (ds *drafts) work() {
	for {
		ds.mu.Lock()
		if len(ds.queue) == 0 {
			ds.running--
			ds.mu.Unlock()
			return
		}
		w := ds.queue[0]
		ds.queue[0] = nil
		ds.queue = ds.queue[1:]
		ds.mu.Unlock()
		switch {
		case w.ctx.Err() != nil:
			w.err = w.ctx.Err()
		case w.redo != nil:
			w.d, w.err = w.redo(w.ctx)
		default:
			w.d, w.err = ds.writer.Draft(w.ctx, ds.b, w.p, ds.known)
		}
		w.cancel()
		close(w.done)
		select { // wake the crew waiting on any draft
		case ds.changed <- struct{}{}:
		default:
		}
	}
}
