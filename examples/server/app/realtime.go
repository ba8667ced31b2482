package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/wire"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/realtime"
)

// RealtimeSet provides notifications, topic rights and the WebSocket hub.
var RealtimeSet = wire.NewSet(ProvideNotify, ProvideTopicAuthorizer, ProvideHub)

// ProvideNotify builds the notifications service, publishing on user topics.
func ProvideNotify(d *Database, ev *Events) (*notify.Service, error) {
	svc, err := notify.NewService(notify.Config{}, bunstore.NewNotifications(d.Bun), ev.Publisher)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return svc, nil
}

// ProvideTopicAuthorizer decides who may follow which topic: their own
// user topic, campaigns they may read, and those campaigns' runs.
func ProvideTopicAuthorizer(camps *campaign.Service, runs *outreach.Runs) httpapi.TopicAuthorizer {
	return httpapi.NewTopicAuthorizer(
		func(ctx context.Context, p *auth.Principal, id string) error {
			_, err := camps.Get(ctx, p, id)
			return err
		},
		func(ctx context.Context, p *auth.Principal, id string) error {
			_, err := runs.Get(ctx, p, id)
			return err
		},
	)
}

// ProvideHub mounts GET /api/ws, the notification endpoints and GET
// /api/events on the HTTP server.
func ProvideHub(srv *httpapi.Server, ev *Events, authorize httpapi.TopicAuthorizer, notes *notify.Service, logger *slog.Logger) (*realtime.Hub, error) {
	hub, err := realtime.NewHub(realtime.HubConfig{Logger: logger}, realtime.HubDeps{Log: ev.Log, Bus: ev.Bus, Authorize: authorize})
	if err != nil {
		return nil, fmt.Errorf("websocket hub: %w", err)
	}
	if err := hub.Register(srv); err != nil {
		return nil, fmt.Errorf("websocket hub: %w", err)
	}
	srv.SetWSConnections(hub.Connections)
	httpapi.RegisterNotifications(srv, notes)
	httpapi.RegisterEvents(srv, ev.Log, authorize, hub)
	return hub, nil
}
