package app

import (
	"fmt"
	"log/slog"

	"github.com/google/wire"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/transport/realtime"
)

// RealtimeSet provides notifications, topic rights and the WebSocket hub;
// ProvideHTTP mounts them (docs/architecture.md).
var RealtimeSet = wire.NewSet(ProvideNotify, ProvideTopicRights, ProvideHub)

// ProvideNotify builds the notifications service, publishing on user topics.
func ProvideNotify(d *Database, ev *Events) (*notify.Service, error) {
	svc, err := notify.NewService(notify.Config{}, bunstore.NewNotifications(d.Bun), ev.Publisher)
	if err != nil {
		return nil, fmt.Errorf("notifications: %w", err)
	}
	return svc, nil
}

// ProvideTopicRights decides who may follow which topic: their own user
// topic, campaigns they may read, and those campaigns' runs.
func ProvideTopicRights(camps *campaign.Service, runs *outreach.Runs) *notify.TopicRights {
	return notify.NewTopicRights(camps, runs)
}

// ProvideHub builds the WebSocket hub; ProvideHTTP mounts it on the
// server (GET /api/ws) and wakes GET /api/events' long-polls with it.
func ProvideHub(ev *Events, rights *notify.TopicRights, logger *slog.Logger) (*realtime.Hub, error) {
	hub, err := realtime.NewHub(realtime.HubConfig{Logger: logger}, realtime.HubDeps{Log: ev.Log, Bus: ev.Bus, Authorize: rights})
	if err != nil {
		return nil, fmt.Errorf("websocket hub: %w", err)
	}
	return hub, nil
}
