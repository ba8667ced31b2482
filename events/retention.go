package events

import (
	"context"
	"log/slog"
	"time"
)

// Retention bounds the event log: events older than MaxAge, and events
// beyond the newest KeepPerTopic of their topic, are pruned every Every.
type Retention struct {
	MaxAge       time.Duration    // zero: no age limit
	KeepPerTopic int              // zero: no count limit
	Every        time.Duration    // default 10 minutes
	Now          func() time.Time // default time.Now
	Logger       *slog.Logger     // default slog.Default()
}

// PruneOnce applies the retention to log once and returns how many events
// it deleted.
func (r Retention) PruneOnce(ctx context.Context, log Log) (int, error) {
	if r.MaxAge <= 0 && r.KeepPerTopic <= 0 {
		return 0, nil
	}
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	var olderThan time.Time
	if r.MaxAge > 0 {
		olderThan = now().Add(-r.MaxAge)
	}
	return log.Prune(ctx, olderThan, r.KeepPerTopic)
}

// Run prunes log at once and then every r.Every until ctx ends. Several
// instances may run it on one database: pruning is idempotent.
func (r Retention) Run(ctx context.Context, log Log) {
	every := r.Every
	if every <= 0 {
		every = 10 * time.Minute
	}
	logger := r.Logger
	if logger == nil {
		logger = slog.Default()
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := r.PruneOnce(ctx, log); err != nil && ctx.Err() == nil {
			logger.Error("prune event log", "err", err)
		} else if n > 0 {
			logger.Info("pruned event log", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
