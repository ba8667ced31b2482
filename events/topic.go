package events

import (
	"fmt"
	"strings"
)

// TopicKind is what a topic is about: a user, a campaign or a run.
type TopicKind string

// The topic kinds of the contract. A topic is "<kind>:<id>".
const (
	KindUser     TopicKind = "user"
	KindCampaign TopicKind = "campaign"
	KindRun      TopicKind = "run"
)

// MaxTopicLen is the longest topic a Log or Bus accepts, in bytes.
const MaxTopicLen = 200

// UserTopic is the topic of a user's notifications, "user:<id>". Clients
// spell it "user"; the hub adds the caller's id.
func UserTopic(userID string) string { return string(KindUser) + ":" + userID }

// CampaignTopic is the topic of every event of a campaign's runs and
// reviews, "campaign:<id>".
func CampaignTopic(campaignID string) string { return string(KindCampaign) + ":" + campaignID }

// RunTopic is the topic of one run's events, "run:<id>".
func RunTopic(runID string) string { return string(KindRun) + ":" + runID }

// CheckTopic reports whether topic is acceptable to a Log or a Bus: 1 to
// MaxTopicLen bytes of printable ASCII without spaces. It does not require
// a known kind; ParseTopic does.
func CheckTopic(topic string) error {
	if topic == "" || len(topic) > MaxTopicLen {
		return fmt.Errorf("%w: must be 1 to %d bytes, got %d", ErrInvalidTopic, MaxTopicLen, len(topic))
	}
	for i := 0; i < len(topic); i++ {
		if c := topic[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("%w: %q has a character that is not printable ASCII", ErrInvalidTopic, topic)
		}
	}
	return nil
}

// ParseTopic splits "<kind>:<id>" into its kind (user, campaign or run)
// and id. The bare "user" that clients send is not a topic: the hub turns
// it into UserTopic(caller) first.
func ParseTopic(topic string) (TopicKind, string, error) {
	if err := CheckTopic(topic); err != nil {
		return "", "", err
	}
	kind, id, ok := strings.Cut(topic, ":")
	if !ok || id == "" {
		return "", "", fmt.Errorf("%w: %q is not <kind>:<id>", ErrInvalidTopic, topic)
	}
	switch k := TopicKind(kind); k {
	case KindUser, KindCampaign, KindRun:
		return k, id, nil
	default:
		return "", "", fmt.Errorf("%w: unknown kind %q in %q", ErrInvalidTopic, kind, topic)
	}
}

// ResolveTopic turns a topic as a client spells it into the stored topic:
// the bare "user" is the caller's own UserTopic(userID). It checks the
// form (ParseTopic), not the rights (notify.TopicRights decides those).
func ResolveTopic(userID, topic string) (string, error) {
	if topic == string(KindUser) {
		if userID == "" {
			return "", fmt.Errorf("%w: no caller for %q", ErrInvalidTopic, topic)
		}
		return UserTopic(userID), nil
	}
	if _, _, err := ParseTopic(topic); err != nil {
		return "", err
	}
	return topic, nil
}

// ClientTopic is how a stored topic is shown to its reader: the reader's
// own user topic is spelt "user", as clients subscribe to it.
func ClientTopic(topic string) string {
	if strings.HasPrefix(topic, string(KindUser)+":") {
		return string(KindUser)
	}
	return topic
}
