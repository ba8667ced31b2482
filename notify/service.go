package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage"
)

// Config tunes the Service. Zero fields take the documented defaults.
type Config struct {
	// Now is the clock stamping notifications; default time.Now.
	Now func() time.Time
}

// Service stores notifications and pushes them to their users.
type Service struct {
	store Store
	pub   *events.Publisher
	now   func() time.Time
}

// NewService returns the notifications service over store, which is
// required, publishing through pub (nil publishes nothing: notifications
// are then only listed).
func NewService(cfg Config, store Store, pub *events.Publisher) (*Service, error) {
	if store == nil {
		return nil, errors.New("new notifications service: the store is required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{store: store, pub: pub, now: cfg.Now}, nil
}

// EventData is the data of the "notification" event pushed on the user's
// topic: the new notification.
type EventData struct {
	ID        string          `json:"id"`
	Kind      Kind            `json:"kind"`
	Title     string          `json:"title"`
	Body      string          `json:"body"`
	Data      json.RawMessage `json:"data"`
	CreatedAt time.Time       `json:"created_at"`
}

// Notify stores a notification for userID and publishes it as a
// "notification" event on events.UserTopic(userID). data is any
// JSON-marshalable value (nil: {}). When storing succeeds but publishing
// fails, it returns the stored notification with the error; a publish
// that stored the event but could not announce it is not an error (live
// clients see it at the topic's next notice).
func (s *Service) Notify(ctx context.Context, userID string, kind Kind, title, body string, data any) (*Notification, error) {
	if userID == "" {
		return nil, fmt.Errorf("notify: %w: no user", ErrInvalid)
	}
	if err := CheckKind(kind); err != nil {
		return nil, fmt.Errorf("notify %s: %w", userID, err)
	}
	if err := checkText(title, body); err != nil {
		return nil, fmt.Errorf("notify %s: %w", userID, err)
	}
	raw, err := events.EncodeData(data)
	if err != nil {
		return nil, fmt.Errorf("notify %s: %w: %w", userID, ErrInvalid, err)
	}
	n := &Notification{
		ID: uuid.Must(uuid.NewV7()).String(), UserID: userID, Kind: kind, Title: title, Body: body,
		Data: raw, CreatedAt: s.now().UTC().Truncate(time.Microsecond),
	}
	if err := s.store.Create(ctx, n); err != nil {
		return nil, fmt.Errorf("notify %s: store: %w", userID, err)
	}
	if s.pub == nil {
		return n, nil
	}
	ev := EventData{ID: n.ID, Kind: n.Kind, Title: n.Title, Body: n.Body, Data: n.Data, CreatedAt: n.CreatedAt}
	if _, err := s.pub.Publish(ctx, events.Notification, ev, events.UserTopic(userID)); err != nil && !errors.Is(err, events.ErrNotAnnounced) {
		return n, fmt.Errorf("notify %s: publish %s: %w", userID, n.ID, err)
	}
	return n, nil
}

// List returns the caller's notifications, newest first.
func (s *Service) List(ctx context.Context, p *auth.Principal, lp ListParams) (Page, error) {
	lp.Limit = storage.ClampLimit(lp.Limit)
	page, err := s.store.List(ctx, p.User.ID, lp)
	if err != nil {
		return Page{}, fmt.Errorf("list notifications of %s: %w", p.User.ID, err)
	}
	return page, nil
}

// MarkRead marks one of the caller's notifications read (again: no
// change) and returns it; another user's is ErrNotFound.
func (s *Service) MarkRead(ctx context.Context, p *auth.Principal, id string) (*Notification, error) {
	n, err := s.store.MarkRead(ctx, p.User.ID, id, s.now().UTC().Truncate(time.Microsecond))
	if errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("mark notification %s read: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("mark notification %s read: %w", id, err)
	}
	return n, nil
}

// MarkAllRead marks every unread notification of the caller read and
// returns how many it changed.
func (s *Service) MarkAllRead(ctx context.Context, p *auth.Principal) (int, error) {
	n, err := s.store.MarkAllRead(ctx, p.User.ID, s.now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return 0, fmt.Errorf("mark notifications of %s read: %w", p.User.ID, err)
	}
	return n, nil
}
