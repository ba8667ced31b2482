package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/storage"
)

// ErrTopicForbidden refuses a topic the caller may not read: another
// user's, or a campaign or run the caller may not see (existing or not).
var ErrTopicForbidden = errors.New("you may not read this topic")

// TopicAuthorizer decides whether p may read topic, a full topic
// ("user:<id>", "campaign:<id>", "run:<id>"); any error refuses it. The
// WebSocket hub and GET /api/events share it.
type TopicAuthorizer func(ctx context.Context, p *auth.Principal, topic string) error

// ReadableCheck reports whether p may read the campaign or run id: nil for
// yes; an error wrapping campaign.ErrNotFound, campaign.ErrForbidden,
// storage.ErrNotFound or ErrTopicForbidden for no; any other error when it
// could not tell (a database down), which the callers report as a failure
// to retry rather than as a refusal.
type ReadableCheck func(ctx context.Context, p *auth.Principal, id string) error

// NewTopicAuthorizer returns the topic rights of the contract: a user
// reads only their own user topic; a campaign topic is readable when
// campaign says its campaign is (owners; moderators and admins for any
// campaign); a run topic when run says its run is. A nil check refuses
// every topic of its kind. Every refusal wraps ErrTopicForbidden; an error
// that does not is a failure to decide.
func NewTopicAuthorizer(campaign, run ReadableCheck) TopicAuthorizer {
	return func(ctx context.Context, p *auth.Principal, topic string) error {
		kind, id, err := events.ParseTopic(topic)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrTopicForbidden, err)
		}
		var check ReadableCheck
		switch kind {
		case events.KindUser:
			if p == nil || p.User == nil || id != p.User.ID {
				return fmt.Errorf("%w: %s", ErrTopicForbidden, topic)
			}
			return nil
		case events.KindCampaign:
			check = campaign
		case events.KindRun:
			check = run
		}
		if check == nil {
			return fmt.Errorf("%w: %s", ErrTopicForbidden, topic)
		}
		if err := check(ctx, p, id); err != nil {
			if refusal(err) {
				return fmt.Errorf("%w: %s: %w", ErrTopicForbidden, topic, err)
			}
			return fmt.Errorf("check the rights on %s: %w", topic, err)
		}
		return nil
	}
}

// refusal reports whether a ReadableCheck error means no (rather than
// "could not tell").
func refusal(err error) bool {
	return errors.Is(err, ErrTopicForbidden) || errors.Is(err, campaign.ErrNotFound) ||
		errors.Is(err, campaign.ErrForbidden) || errors.Is(err, storage.ErrNotFound)
}

// ResolveTopic turns a topic as a client spells it into the stored topic:
// the bare "user" is the caller's own "user:<id>". It checks the form
// (events.ParseTopic), not the rights.
func ResolveTopic(p *auth.Principal, topic string) (string, error) {
	if topic == string(events.KindUser) {
		if p == nil || p.User == nil {
			return "", fmt.Errorf("%w: no caller for %q", events.ErrInvalidTopic, topic)
		}
		return events.UserTopic(p.User.ID), nil
	}
	if _, _, err := events.ParseTopic(topic); err != nil {
		return "", err
	}
	return topic, nil
}

// ClientTopic is how a stored topic is shown to its reader: the reader's
// own user topic is spelt "user", as clients subscribe to it.
func ClientTopic(topic string) string {
	if strings.HasPrefix(topic, string(events.KindUser)+":") {
		return string(events.KindUser)
	}
	return topic
}

// AllowsOrigin reports whether a browser request from r's Origin may be
// served: no Origin (not a browser), the request's own host, or an origin
// on the CORS allowlist (Config.CORSOrigins). The WebSocket hub checks it
// before upgrading, since CORS does not protect WebSockets.
func (s *Server) AllowsOrigin(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if s.cors.allows(origin) {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, r.Host)
}
