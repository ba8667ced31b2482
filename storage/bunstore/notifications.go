package bunstore

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/kpbot/kpbot/notify"
)

// notificationCursorTag marks cursors of notification lists.
const notificationCursorTag = "n1:"

// notificationRow is a row of kpbot_notifications.
type notificationRow struct {
	bun.BaseModel `bun:"table:kpbot_notifications,alias:n"`

	ID        string     `bun:"id,pk"`
	UserID    string     `bun:"user_id"`
	Kind      string     `bun:"kind"`
	Title     string     `bun:"title"`
	Body      string     `bun:"body"`
	Data      string     `bun:"data"`
	ReadAt    *time.Time `bun:"read_at"`
	CreatedAt time.Time  `bun:"created_at"`
}

func (row *notificationRow) notification() notify.Notification {
	data := row.Data
	if data == "" {
		data = "{}"
	}
	return notify.Notification{
		ID: row.ID, UserID: row.UserID, Kind: notify.Kind(row.Kind), Title: row.Title, Body: row.Body,
		Data: []byte(data), ReadAt: utcPtr(row.ReadAt), CreatedAt: row.CreatedAt.UTC(),
	}
}

// Notifications keeps users' notifications in kpbot_notifications.
type Notifications struct {
	db bun.IDB
}

var _ notify.Store = (*Notifications)(nil)

// NewNotifications returns a notify.Store over db, a *bun.DB or a bun.Tx.
func NewNotifications(db bun.IDB) *Notifications { return &Notifications{db: db} }

// Create inserts n; an existing ID is storage.ErrConflict.
func (s *Notifications) Create(ctx context.Context, n *notify.Notification) error {
	data := string(n.Data)
	if data == "" {
		data = "{}"
	}
	row := &notificationRow{
		ID: n.ID, UserID: n.UserID, Kind: string(n.Kind), Title: n.Title, Body: n.Body, Data: data,
		ReadAt: utcPtr(n.ReadAt), CreatedAt: dbTime(n.CreatedAt),
	}
	if _, err := s.db.NewInsert().Model(row).Exec(ctx); err != nil {
		return fmt.Errorf("create notification %s: %w", n.ID, mapErr(err))
	}
	return nil
}

// List returns the user's notifications newest first, a page at a time;
// p.Limit is clamped to 1..1000 (default 50).
func (s *Notifications) List(ctx context.Context, userID string, p notify.ListParams) (notify.Page, error) {
	before, err := decodeCursor(notificationCursorTag, p.Cursor)
	if err != nil {
		return notify.Page{}, fmt.Errorf("list notifications: %w", err)
	}
	limit := pageSize(p.Limit)
	var rows []notificationRow
	q := s.db.NewSelect().Model(&rows).Where("n.user_id = ?", userID).OrderExpr("n.id DESC").Limit(int64(limit + 1))
	if before != "" {
		q = q.Where("n.id < ?", before)
	}
	if p.UnreadOnly {
		q = q.Where("n.read_at IS NULL")
	}
	if err := q.Scan(ctx); err != nil {
		return notify.Page{}, fmt.Errorf("list notifications of %s: %w", userID, mapErr(err))
	}
	var page notify.Page
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = encodeCursor(notificationCursorTag, rows[limit-1].ID)
	}
	page.Items = make([]notify.Notification, len(rows))
	for i := range rows {
		page.Items[i] = rows[i].notification()
	}
	return page, nil
}

// MarkRead sets read_at on the user's notification unless it is set, and
// returns the notification; another user's is storage.ErrNotFound.
func (s *Notifications) MarkRead(ctx context.Context, userID, id string, at time.Time) (*notify.Notification, error) {
	if _, err := s.db.NewUpdate().Model((*notificationRow)(nil)).
		Set("read_at = ?", dbTime(at)).
		Where("id = ? AND user_id = ? AND read_at IS NULL", id, userID).
		Exec(ctx); err != nil {
		return nil, fmt.Errorf("mark notification %s read: %w", id, mapErr(err))
	}
	row := new(notificationRow)
	if err := s.db.NewSelect().Model(row).Where("n.id = ? AND n.user_id = ?", id, userID).Scan(ctx); err != nil {
		return nil, fmt.Errorf("load notification %s: %w", id, mapErr(err))
	}
	n := row.notification()
	return &n, nil
}

// MarkAllRead marks every unread notification of the user read.
func (s *Notifications) MarkAllRead(ctx context.Context, userID string, at time.Time) (int, error) {
	res, err := s.db.NewUpdate().Model((*notificationRow)(nil)).
		Set("read_at = ?", dbTime(at)).
		Where("user_id = ? AND read_at IS NULL", userID).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("mark notifications of %s read: %w", userID, mapErr(err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("mark notifications of %s read: %w", userID, err)
	}
	return int(n), nil
}
