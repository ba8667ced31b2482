package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/events"
)

// CommentReviewedData is the data of a comment.reviewed event (on the
// campaign's topic) and of the comment.reviewed notification its owner
// gets when someone else reviewed the draft.
type CommentReviewedData struct {
	DraftID    string     `json:"draft_id" doc:"The reviewed comment draft."`
	ProspectID string     `json:"prospect_id" doc:"The prospect (blog post) the draft is for."`
	CampaignID string     `json:"campaign_id"`
	Status     string     `json:"status" enum:"approved,rejected"`
	ReviewedBy string     `json:"reviewed_by,omitempty" doc:"The reviewer's user id."`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty" doc:"RFC 3339, UTC."`
}

// ReviewNotifier tells who needs to know that a draft was approved or
// rejected: the campaign's followers (comment.reviewed on its
// campaign:<id> topic) and its owner, notified when someone else reviewed
// it. Its Reviewed method is what campaign.Config.OnReviewed takes, so an
// embedder wiring kpbot by hand gets review notifications with one line;
// see docs/architecture.md, "How data flows".
type ReviewNotifier struct {
	svc    *Service
	logger *slog.Logger
}

// NewReviewNotifier returns the notifier publishing through svc (and the
// publisher svc was built with); logger gets the errors it cannot return
// (nil: slog.Default()).
func NewReviewNotifier(svc *Service, logger *slog.Logger) (*ReviewNotifier, error) {
	if svc == nil {
		return nil, errors.New("new review notifier: the notifications service is required")
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &ReviewNotifier{svc: svc, logger: logger}, nil
}

// Reviewed publishes comment.reviewed for draft d of campaign c and
// notifies c's owner unless the owner reviewed it. A review is already
// saved when it is called, so failures are logged, not returned.
func (r *ReviewNotifier) Reviewed(ctx context.Context, c *campaign.Campaign, d *campaign.Draft) {
	data := CommentReviewedData{DraftID: d.ID, ProspectID: d.ProspectID, CampaignID: c.ID, Status: string(d.Status), ReviewedAt: d.ReviewedAt}
	if d.ReviewedBy != nil {
		data.ReviewedBy = *d.ReviewedBy
	}
	if r.svc.pub != nil {
		if _, err := r.svc.pub.Publish(ctx, events.CommentReviewed, data, events.CampaignTopic(c.ID)); err != nil {
			r.logger.ErrorContext(ctx, "publish comment.reviewed", "draft_id", d.ID, "err", err)
		}
	}
	if data.ReviewedBy == c.OwnerID {
		return // nobody to tell: the owner reviewed it
	}
	title := "Comment " + string(d.Status)
	body := fmt.Sprintf("A draft of campaign %q was %s.", c.Name, d.Status)
	if d.RejectReason != "" {
		body += " Reason: " + d.RejectReason
	}
	if _, err := r.svc.Notify(ctx, c.OwnerID, KindCommentReviewed, title, body, data); err != nil {
		r.logger.ErrorContext(ctx, "notify comment reviewed", "draft_id", d.ID, "err", err)
	}
}
