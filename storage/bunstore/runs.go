package bunstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect"

	"github.com/kpbot/kpbot/agents"
)

// runCursorTag marks cursors of run lists.
const runCursorTag = "r1:"

// activeStatuses are the statuses CountActive counts.
var activeStatuses = []string{string(agents.RunQueued), string(agents.RunRunning)}

// runRow is a row of kpbot_runs.
type runRow struct {
	bun.BaseModel `bun:"table:kpbot_runs,alias:r"`

	ID           string     `bun:"id,pk"`
	CampaignID   string     `bun:"campaign_id"`
	OwnerID      string     `bun:"owner_id"`
	Status       string     `bun:"status"`
	Progress     float64    `bun:"progress"`
	Steps        string     `bun:"steps"`
	Stats        string     `bun:"stats"`
	UsageTokens  int        `bun:"usage_tokens"`
	UsageCostUSD float64    `bun:"usage_cost_usd"`
	Error        string     `bun:"error"`
	FailureKind  string     `bun:"failure_kind"`
	Brief        string     `bun:"brief"`
	JobID        int64      `bun:"job_id"`
	Attempts     int        `bun:"attempts"`
	CreatedAt    time.Time  `bun:"created_at"`
	StartedAt    *time.Time `bun:"started_at"`
	FinishedAt   *time.Time `bun:"finished_at"`
}

func newRunRow(r *agents.Run) (*runRow, error) {
	steps := r.Steps
	if steps == nil {
		steps = []agents.Step{}
	}
	stepsJSON, err := json.Marshal(steps)
	if err != nil {
		return nil, fmt.Errorf("encode steps: %w", err)
	}
	stats, err := json.Marshal(r.Stats)
	if err != nil {
		return nil, fmt.Errorf("encode stats: %w", err)
	}
	brief, err := json.Marshal(r.Brief)
	if err != nil {
		return nil, fmt.Errorf("encode brief: %w", err)
	}
	return &runRow{
		ID: r.ID, CampaignID: r.CampaignID, OwnerID: r.OwnerID, Status: string(r.Status),
		Progress: r.Progress, Steps: string(stepsJSON), Stats: string(stats),
		UsageTokens: r.Usage.Tokens, UsageCostUSD: r.Usage.CostUSD, Error: r.Error,
		FailureKind: string(r.FailureKind),
		Brief:       string(brief), JobID: r.JobID, Attempts: r.Attempts,
		CreatedAt: dbTime(r.CreatedAt), StartedAt: utcPtr(r.StartedAt), FinishedAt: utcPtr(r.FinishedAt),
	}, nil
}

func (row *runRow) run() (*agents.Run, error) {
	r := &agents.Run{
		ID: row.ID, CampaignID: row.CampaignID, OwnerID: row.OwnerID, Status: agents.RunStatus(row.Status),
		Progress: row.Progress, Usage: agents.RunUsage{Tokens: row.UsageTokens, CostUSD: row.UsageCostUSD},
		Error: row.Error, FailureKind: agents.FailureKind(row.FailureKind), JobID: row.JobID, Attempts: row.Attempts,
		CreatedAt: row.CreatedAt.UTC(), StartedAt: utcPtr(row.StartedAt), FinishedAt: utcPtr(row.FinishedAt),
	}
	if err := json.Unmarshal([]byte(row.Steps), &r.Steps); err != nil {
		return nil, fmt.Errorf("decode steps of run %s: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.Stats), &r.Stats); err != nil {
		return nil, fmt.Errorf("decode stats of run %s: %w", row.ID, err)
	}
	if err := json.Unmarshal([]byte(row.Brief), &r.Brief); err != nil {
		return nil, fmt.Errorf("decode brief of run %s: %w", row.ID, err)
	}
	return r, nil
}

// Runs keeps crew runs in kpbot_runs.
type Runs struct {
	db bun.IDB
}

var _ agents.RunStore = (*Runs)(nil)

// NewRuns returns a RunStore over db, a *bun.DB or a bun.Tx.
func NewRuns(db bun.IDB) *Runs { return &Runs{db: db} }

// Create inserts r; an existing ID is storage.ErrConflict, an unknown
// campaign a foreign-key error.
func (s *Runs) Create(ctx context.Context, r *agents.Run) error {
	row, err := newRunRow(r)
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, mapErr(err))
	}
	return nil
}

// CreateWithin inserts r unless its owner already has maxActive queued or
// running runs. The insert comes first and the count after it, in one
// transaction: on SQLite the insert takes the database's write lock, so
// racing transactions queue behind it; on PostgreSQL, whose concurrent
// transactions would not see each other's rows, a transaction-scoped
// advisory lock on the owner queues them.
func (s *Runs) CreateWithin(ctx context.Context, r *agents.Run, maxActive int) error {
	row, err := newRunRow(r)
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	err = s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if tx.Dialect().Name() == dialect.PG {
			if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", "kpbot/runs/"+r.OwnerID); err != nil {
				return fmt.Errorf("lock the owner's runs: %w", mapErr(err))
			}
		}
		if _, err := tx.NewInsert().Model(row).Exec(ctx); err != nil {
			return mapErr(err)
		}
		n, err := tx.NewSelect().Model((*runRow)(nil)).
			Where("r.owner_id = ?", r.OwnerID).Where("r.status IN (?)", bun.List(activeStatuses)).Count(ctx)
		if err != nil {
			return fmt.Errorf("count active runs: %w", mapErr(err))
		}
		if active := int(n) - 1; r.Active() && active >= maxActive {
			return &agents.RunLimitError{Scope: agents.LimitPerUser, Limit: maxActive, Active: active}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create run %s: %w", r.ID, err)
	}
	return nil
}

// Get returns the run with that ID.
func (s *Runs) Get(ctx context.Context, id string) (*agents.Run, error) {
	row := new(runRow)
	if err := s.db.NewSelect().Model(row).Where("r.id = ?", id).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load run %s: %w", id, mapErr(err))
	}
	return row.run()
}

// ListByCampaign returns the campaign's runs newest first (IDs are
// time-ordered), p.Limit at a time (default 50, at most 1000).
func (s *Runs) ListByCampaign(ctx context.Context, campaignID string, p agents.ListParams) (agents.RunPage, error) {
	before, err := decodeCursor(runCursorTag, p.Cursor)
	if err != nil {
		return agents.RunPage{}, fmt.Errorf("list runs of campaign %s: %w", campaignID, err)
	}
	limit := pageSize(p.Limit)
	var rows []runRow
	q := s.db.NewSelect().Model(&rows).Where("r.campaign_id = ?", campaignID).
		OrderExpr("r.id DESC").Limit(int64(limit + 1))
	if before != "" {
		q = q.Where("r.id < ?", before)
	}
	if err := q.Scan(ctx); err != nil {
		return agents.RunPage{}, fmt.Errorf("list runs of campaign %s: %w", campaignID, mapErr(err))
	}
	page := agents.RunPage{Items: make([]agents.Run, 0, min(len(rows), limit))}
	for i := range rows[:min(len(rows), limit)] {
		r, err := rows[i].run()
		if err != nil {
			return agents.RunPage{}, err
		}
		page.Items = append(page.Items, *r)
	}
	if len(rows) > limit {
		page.NextCursor = encodeCursor(runCursorTag, rows[limit-1].ID)
	}
	return page, nil
}

// Update loads the run, applies fn and saves the result in one
// transaction, holding the row (FOR UPDATE on PostgreSQL, the write lock
// of BEGIN IMMEDIATE on SQLite) so concurrent updates queue. An error from
// fn rolls back and is returned as is. fn must not change the ID, campaign
// or creation time.
func (s *Runs) Update(ctx context.Context, id string, fn func(*agents.Run) error) (*agents.Run, error) {
	return s.update(ctx, id, nil, fn)
}

// UpdateLeased is Update while holder holds the run's lease (lapsed or
// not): it reads lease_holder under the same row lock, so an execution
// whose lease another has taken writes nothing (agents.ErrLeaseLost).
func (s *Runs) UpdateLeased(ctx context.Context, id, holder string, fn func(*agents.Run) error) (*agents.Run, error) {
	return s.update(ctx, id, &holder, fn)
}

// update is Update, fenced by the lease when holder is not nil.
func (s *Runs) update(ctx context.Context, id string, holder *string, fn func(*agents.Run) error) (*agents.Run, error) {
	var out *agents.Run
	err := s.db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		row := new(runRow)
		q := tx.NewSelect().Model(row).Where("r.id = ?", id)
		if tx.Dialect().Name() == dialect.PG {
			q = q.For("UPDATE")
		}
		if err := q.Scan(ctx); err != nil {
			return fmt.Errorf("load run %s: %w", id, mapErr(err))
		}
		if holder != nil {
			var current string
			if err := tx.NewSelect().Table("kpbot_runs").Column("lease_holder").
				Where("id = ?", id).Scan(ctx, &current); err != nil {
				return fmt.Errorf("load lease of run %s: %w", id, mapErr(err))
			}
			if current != *holder {
				return fmt.Errorf("update run %s: %w", id, agents.ErrLeaseLost)
			}
		}
		r, err := row.run()
		if err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
		if r.ID != id || r.CampaignID != row.CampaignID {
			return fmt.Errorf("update run %s: the update changed its ID or campaign", id)
		}
		saved, err := newRunRow(r)
		if err != nil {
			return fmt.Errorf("update run %s: %w", id, err)
		}
		saved.CreatedAt = row.CreatedAt
		if _, err := tx.NewUpdate().Model(saved).WherePK().
			ExcludeColumn("id", "campaign_id", "created_at").Exec(ctx); err != nil {
			return fmt.Errorf("save run %s: %w", id, mapErr(err))
		}
		out, err = saved.run()
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CountActive counts the owner's queued and running runs.
func (s *Runs) CountActive(ctx context.Context, ownerID string) (int, error) {
	n, err := s.db.NewSelect().Model((*runRow)(nil)).
		Where("r.owner_id = ?", ownerID).Where("r.status IN (?)", bun.List(activeStatuses)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count active runs of %s: %w", ownerID, mapErr(err))
	}
	return int(n), nil
}

// CountActiveAll counts every queued and running run.
func (s *Runs) CountActiveAll(ctx context.Context) (int, error) {
	n, err := s.db.NewSelect().Model((*runRow)(nil)).
		Where("r.status IN (?)", bun.List(activeStatuses)).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count active runs: %w", mapErr(err))
	}
	return int(n), nil
}

// nowMS is the SQL expression of the database's clock in milliseconds
// since the epoch: leases are measured by it, so instances' clocks need
// not agree (on SQLite the database's clock is the one machine's).
func nowMS(db bun.IDB) string {
	if db.Dialect().Name() == dialect.PG {
		return "(extract(epoch from clock_timestamp()) * 1000)::bigint"
	}
	return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
}

// AcquireLease makes holder the active run's lease holder until ttl from
// now (the database's clock) unless another holder's lease is live: one
// conditional UPDATE, so of racing acquirers exactly one wins.
func (s *Runs) AcquireLease(ctx context.Context, id, holder string, ttl time.Duration) error {
	now := nowMS(s.db)
	res, err := s.db.ExecContext(ctx, "UPDATE kpbot_runs SET lease_holder = ?, lease_expires_ms = "+now+" + ?"+
		" WHERE id = ? AND status IN (?) AND (lease_holder = '' OR lease_holder = ? OR lease_expires_ms <= "+now+")",
		holder, ttl.Milliseconds(), id, bun.List(activeStatuses), holder)
	if err != nil {
		return fmt.Errorf("lease run %s: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("lease run %s: %w", id, err)
	} else if n == 1 {
		return nil
	}
	run, err := s.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("lease run %s: %w", id, err)
	}
	if run.Status.Terminal() {
		return fmt.Errorf("lease run %s (%s): %w", id, run.Status, agents.ErrRunFinished)
	}
	return fmt.Errorf("lease run %s: %w", id, agents.ErrLeaseHeld)
}

// RenewLease extends holder's lease to ttl from now.
func (s *Runs) RenewLease(ctx context.Context, id, holder string, ttl time.Duration) error {
	res, err := s.db.ExecContext(ctx, "UPDATE kpbot_runs SET lease_expires_ms = "+nowMS(s.db)+" + ?"+
		" WHERE id = ? AND lease_holder = ?", ttl.Milliseconds(), id, holder)
	if err != nil {
		return fmt.Errorf("renew lease of run %s: %w", id, mapErr(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("renew lease of run %s: %w", id, err)
	} else if n == 1 {
		return nil
	}
	if _, err := s.Get(ctx, id); err != nil {
		return fmt.Errorf("renew lease of run %s: %w", id, err)
	}
	return fmt.Errorf("renew lease of run %s: %w", id, agents.ErrLeaseLost)
}

// ReleaseLease makes holder's lease lapse now; it keeps the holder's name,
// so the row still tells which execution ran last.
func (s *Runs) ReleaseLease(ctx context.Context, id, holder string) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE kpbot_runs SET lease_expires_ms = "+nowMS(s.db)+
		" WHERE id = ? AND lease_holder = ? AND lease_expires_ms > "+nowMS(s.db), id, holder); err != nil {
		return fmt.Errorf("release lease of run %s: %w", id, mapErr(err))
	}
	return nil
}

// Lease returns the run's lease; Live is computed by the database's clock.
func (s *Runs) Lease(ctx context.Context, id string) (agents.RunLease, error) {
	var row struct {
		Holder    string `bun:"lease_holder"`
		ExpiresMS int64  `bun:"lease_expires_ms"`
		Live      bool   `bun:"live"`
	}
	err := s.db.NewSelect().Table("kpbot_runs").Column("lease_holder", "lease_expires_ms").
		ColumnExpr("(lease_holder <> '' AND lease_expires_ms > "+nowMS(s.db)+") AS live").
		Where("id = ?", id).Scan(ctx, &row)
	if err != nil {
		return agents.RunLease{}, fmt.Errorf("load lease of run %s: %w", id, mapErr(err))
	}
	l := agents.RunLease{Holder: row.Holder, Live: row.Live}
	if row.ExpiresMS > 0 {
		l.ExpiresAt = time.UnixMilli(row.ExpiresMS).UTC()
	}
	return l, nil
}
