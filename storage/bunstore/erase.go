package bunstore

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage"
)

// Eraser deletes accounts and everything they own.
type Eraser struct {
	db *bun.DB
}

var _ auth.AccountEraser = (*Eraser)(nil)

// NewEraser returns an AccountEraser over db.
func NewEraser(db *bun.DB) *Eraser { return &Eraser{db: db} }

// ActiveRunIDs lists the user's queued or running runs.
func (e *Eraser) ActiveRunIDs(ctx context.Context, userID string) ([]string, error) {
	var ids []string
	if err := e.db.NewSelect().Table("kpbot_runs").Column("id").
		Where("owner_id = ?", userID).Where("status IN (?)", bun.List([]string{"queued", "running"})).
		Scan(ctx, &ids); err != nil {
		return nil, fmt.Errorf("active runs of %s: %w", userID, mapErr(err))
	}
	return ids, nil
}

// EraseUser deletes the user in one transaction: first the events of the
// user's, their campaigns' and their runs' topics, then the user row,
// whose foreign keys (ON DELETE CASCADE) take sessions, refresh and
// account tokens, campaigns with their prospects, drafts and runs, and
// notifications. On PostgreSQL the enabled admins' rows are locked first,
// so two admins deleting themselves at once cannot both pass the
// last-admin check.
func (e *Eraser) EraseUser(ctx context.Context, userID string) error {
	err := e.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		var admins []string
		q := tx.NewSelect().Table("kpbot_users").Column("id").
			Where("role = ?", string(auth.RoleAdmin)).Where("disabled = ?", false)
		if tx.Dialect().Name() == dialect.PG {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx, &admins); err != nil {
			return fmt.Errorf("count admins: %w", mapErr(err))
		}
		if len(admins) == 1 && admins[0] == userID {
			return auth.ErrLastAdmin
		}
		var campaigns, runs []string
		if err := tx.NewSelect().Table("kpbot_campaigns").Column("id").Where("owner_id = ?", userID).Scan(ctx, &campaigns); err != nil {
			return fmt.Errorf("list campaigns: %w", mapErr(err))
		}
		if err := tx.NewSelect().Table("kpbot_runs").Column("id").Where("owner_id = ?", userID).Scan(ctx, &runs); err != nil {
			return fmt.Errorf("list runs: %w", mapErr(err))
		}
		topics := []string{events.UserTopic(userID)}
		for _, id := range campaigns {
			topics = append(topics, events.CampaignTopic(id))
		}
		for _, id := range runs {
			topics = append(topics, events.RunTopic(id))
		}
		for start := 0; start < len(topics); start += 500 {
			chunk := topics[start:min(start+500, len(topics))]
			if _, err := tx.NewDelete().Table("kpbot_events").Where("topic IN (?)", bun.List(chunk)).Exec(ctx); err != nil {
				return fmt.Errorf("delete events: %w", mapErr(err))
			}
			if _, err := tx.NewDelete().Table("kpbot_event_topics").Where("topic IN (?)", bun.List(chunk)).Exec(ctx); err != nil {
				return fmt.Errorf("delete event topics: %w", mapErr(err))
			}
		}
		res, err := tx.NewDelete().Table("kpbot_users").Where("id = ?", userID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("delete user: %w", mapErr(err))
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return storage.ErrNotFound
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("erase user %s: %w", userID, err)
	}
	return nil
}
