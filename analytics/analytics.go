// Package analytics holds the minute rollups of HTTP traffic that every
// instance of a server writes to one shared store, so GET
// /api/admin/analytics gives the same answer whichever instance is asked
// and survives restarts.
package analytics

import "context"

// LatencyBins is the number of log-spaced latency bins in a Rollup (see
// transport/httpapi for their bounds).
const LatencyBins = 64

// Rollup is one instance's traffic on one route during one minute.
type Rollup struct {
	// Minute is the unix minute (unix seconds / 60) the rollup covers.
	Minute int64
	// Method and Route name the route: a standard method or OTHER, and the
	// matched pattern or "unmatched".
	Method, Route string
	// Requests counts every response; ClientErrors those with a 4xx
	// status and ServerErrors those with 5xx.
	Requests, ClientErrors, ServerErrors uint64
	// Bins counts the requests by latency bin.
	Bins [LatencyBins]uint64
}

// Store keeps the rollups of every instance. Implementations are safe for
// concurrent use by several instances sharing one database.
type Store interface {
	// Save writes instance's rollups, replacing what instance saved
	// before for the same minute and route: an instance always saves its
	// running totals, so saving again is harmless.
	Save(ctx context.Context, instance string, rows []Rollup) error
	// Load returns every instance's rollups for the minutes from..to
	// (inclusive), merged: one Rollup per minute and route, in no order.
	Load(ctx context.Context, from, to int64) ([]Rollup, error)
	// Prune deletes the rollups of minutes before the given one.
	Prune(ctx context.Context, before int64) error
}

// Add adds o's counts to r's.
func (r *Rollup) Add(o *Rollup) {
	r.Requests += o.Requests
	r.ClientErrors += o.ClientErrors
	r.ServerErrors += o.ServerErrors
	for i, n := range o.Bins {
		r.Bins[i] += n
	}
}
