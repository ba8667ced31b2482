package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/notify"
)

// NotificationView is a notification as the API shows it.
type NotificationView struct {
	ID        string          `json:"id"`
	Kind      string          `json:"kind" doc:"run.succeeded, run.failed, run.cancelled, run.warning, comment.reviewed, budget.reached, ..."`
	Title     string          `json:"title"`
	Body      string          `json:"body"`
	Data      json.RawMessage `json:"data" doc:"Details for the kind, e.g. run_id and campaign_id of a run."`
	Read      bool            `json:"read"`
	ReadAt    *time.Time      `json:"read_at,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// NewNotificationView returns the API view of n.
func NewNotificationView(n *notify.Notification) NotificationView {
	data := n.Data
	if len(data) == 0 {
		data = json.RawMessage("{}")
	}
	return NotificationView{
		ID: n.ID, Kind: string(n.Kind), Title: n.Title, Body: n.Body, Data: data,
		Read: n.ReadAt != nil, ReadAt: n.ReadAt, CreatedAt: n.CreatedAt.UTC(),
	}
}

// NotificationList is a page of the caller's notifications, newest first.
type NotificationList struct {
	Items      []NotificationView `json:"items"`
	NextCursor string             `json:"next_cursor" doc:"Pass as cursor for the next page; empty on the last."`
}

// ReadAllResult says how many notifications read-all marked read.
type ReadAllResult struct {
	Updated int `json:"updated" doc:"How many unread notifications were marked read."`
}

type listNotificationsInput struct {
	Unread bool   `query:"unread" doc:"Only unread notifications."`
	Limit  int    `query:"limit" minimum:"1" maximum:"200" default:"50" doc:"Page size."`
	Cursor string `query:"cursor" maxLength:"512" doc:"next_cursor of the previous page."`
}

type notificationIDInput struct {
	ID string `path:"id" maxLength:"64"`
}

type listNotificationsOutput struct{ Body NotificationList }
type notificationOutput struct{ Body NotificationView }
type readAllOutput struct{ Body ReadAllResult }

// registerNotifications adds the caller's notification endpoints
// (Deps.Notifications): GET /api/notifications, POST
// /api/notifications/{id}/read and POST /api/notifications/read-all.
func (s *Server) registerNotifications() {
	svc := s.deps.Notifications
	s.MapErrors(notificationProblem)
	tags := []string{"notifications"}
	meta := map[string]any{MetadataPermission: auth.PermNotificationsRead}
	huma.Register(s.api, huma.Operation{
		OperationID: "list-notifications", Method: http.MethodGet, Path: "/api/notifications", Tags: tags,
		Summary:     "List your notifications",
		Description: "Newest first. New notifications are also pushed live as `notification` events on the WebSocket `user` topic.",
		Security:    BearerSecurity(),
		Metadata:    meta,
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusUnprocessableEntity},
	}, func(ctx context.Context, in *listNotificationsInput) (*listNotificationsOutput, error) {
		page, err := svc.List(ctx, mustPrincipal(ctx), notify.ListParams{UnreadOnly: in.Unread, Limit: in.Limit, Cursor: in.Cursor})
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		out := NotificationList{Items: make([]NotificationView, len(page.Items)), NextCursor: page.NextCursor}
		for i := range page.Items {
			out.Items[i] = NewNotificationView(&page.Items[i])
		}
		return &listNotificationsOutput{Body: out}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "read-notification", Method: http.MethodPost, Path: "/api/notifications/{id}/read", Tags: tags,
		Summary:     "Mark one of your notifications read",
		Description: "Answers 200 with the notification. Marking a read notification again changes nothing (read_at stays the first time). Another user's notification is 404.",
		Security:    BearerSecurity(),
		Metadata:    meta,
		Errors:      []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound},
	}, func(ctx context.Context, in *notificationIDInput) (*notificationOutput, error) {
		n, err := svc.MarkRead(ctx, mustPrincipal(ctx), in.ID)
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &notificationOutput{Body: NewNotificationView(n)}, nil
	})

	huma.Register(s.api, huma.Operation{
		OperationID: "read-all-notifications", Method: http.MethodPost, Path: "/api/notifications/read-all", Tags: tags,
		Summary:  "Mark all your notifications read",
		Security: BearerSecurity(),
		Metadata: meta,
		Errors:   []int{http.StatusUnauthorized, http.StatusForbidden},
	}, func(ctx context.Context, _ *struct{}) (*readAllOutput, error) {
		n, err := svc.MarkAllRead(ctx, mustPrincipal(ctx))
		if err != nil {
			return nil, s.Error(ctx, err)
		}
		return &readAllOutput{Body: ReadAllResult{Updated: n}}, nil
	})
}

// notificationProblem maps the notify package's errors.
func notificationProblem(err error) *Problem {
	switch {
	case errors.Is(err, notify.ErrNotFound):
		return NewProblem(http.StatusNotFound, "not found")
	case errors.Is(err, notify.ErrInvalid):
		return NewProblem(http.StatusUnprocessableEntity, "validation failed: "+err.Error())
	}
	return nil
}
