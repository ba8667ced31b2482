package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/google/wire"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/realtime"
)

// RealtimeSet provides notifications, topic rights and the WebSocket hub;
// ProvideHTTP mounts them (docs/architecture.md).
var RealtimeSet = wire.NewSet(ProvideNotify, ProvideTopicRights, ProvideHub)

// ProvideNotify builds the notifications service, publishing on user topics.
func ProvideNotify(d *Database, ev *Events) *notify.Service {
	return notify.NewService(notify.Config{}, bunstore.NewNotifications(d.Bun), ev.Publisher)
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

// reviewPublisher tells a campaign's followers and its owner that a draft
// was approved or rejected.
type reviewPublisher struct {
	pub    *events.Publisher
	notes  *notify.Service
	logger *slog.Logger
}

func (r *reviewPublisher) reviewed(ctx context.Context, c *campaign.Campaign, d *campaign.Draft) {
	data := httpapi.CommentReviewedData{DraftID: d.ID, ProspectID: d.ProspectID, CampaignID: c.ID, Status: string(d.Status), ReviewedAt: d.ReviewedAt}
	if d.ReviewedBy != nil {
		data.ReviewedBy = *d.ReviewedBy
	}
	if _, err := r.pub.Publish(ctx, events.CommentReviewed, data, events.CampaignTopic(c.ID)); err != nil {
		r.logger.ErrorContext(ctx, "publish comment.reviewed", "draft_id", d.ID, "err", err)
	}
	if data.ReviewedBy == c.OwnerID {
		return // nobody to tell: the owner reviewed it
	}
	title := "Comment " + string(d.Status)
	body := fmt.Sprintf("A draft of campaign %q was %s.", c.Name, d.Status)
	if d.RejectReason != "" {
		body += " Reason: " + d.RejectReason
	}
	if _, err := r.notes.Notify(ctx, c.OwnerID, notify.KindCommentReviewed, title, body, data); err != nil {
		r.logger.ErrorContext(ctx, "notify comment reviewed", "draft_id", d.ID, "err", err)
	}
}
