package events_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/events"
)

func TestTopicHelpersRoundTrip(t *testing.T) {
	t.Parallel()
	cases := []struct {
		topic string
		kind  events.TopicKind
		id    string
	}{
		{events.UserTopic("u1"), events.KindUser, "u1"},
		{events.CampaignTopic("0190f3a2-7b1c-7000-8000-000000000001"), events.KindCampaign, "0190f3a2-7b1c-7000-8000-000000000001"},
		{events.RunTopic("r:with:colons"), events.KindRun, "r:with:colons"},
	}
	for _, c := range cases {
		kind, id, err := events.ParseTopic(c.topic)
		require.NoError(t, err, c.topic)
		assert.Equal(t, c.kind, kind, c.topic)
		assert.Equal(t, c.id, id, c.topic)
		assert.NoError(t, events.CheckTopic(c.topic))
	}
	assert.Equal(t, "user:abc", events.UserTopic("abc"))
	assert.Equal(t, "campaign:abc", events.CampaignTopic("abc"))
	assert.Equal(t, "run:abc", events.RunTopic("abc"))
}

func TestParseTopicRejects(t *testing.T) {
	t.Parallel()
	for _, topic := range []string{
		"", "user", "user:", "campaign", "run:", "team:1", ":1", "run:a b", "run:\x00",
		"run:é", "run:" + strings.Repeat("x", events.MaxTopicLen),
	} {
		_, _, err := events.ParseTopic(topic)
		assert.ErrorIs(t, err, events.ErrInvalidTopic, "%q", topic)
	}
	// CheckTopic is looser: any kind, but still bounded and printable.
	assert.NoError(t, events.CheckTopic("team:1"))
	assert.NoError(t, events.CheckTopic("user"))
	assert.ErrorIs(t, events.CheckTopic("a\tb"), events.ErrInvalidTopic)
	assert.ErrorIs(t, events.CheckTopic(strings.Repeat("x", events.MaxTopicLen+1)), events.ErrInvalidTopic)
	assert.NoError(t, events.CheckTopic(strings.Repeat("x", events.MaxTopicLen)))
}

func FuzzParseTopic(f *testing.F) {
	for _, s := range []string{"user:1", "campaign:x", "run:a:b", "user", "", "run: x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		kind, id, err := events.ParseTopic(s)
		if err != nil {
			return
		}
		// A parsed topic is rebuilt exactly from its parts.
		if got := string(kind) + ":" + id; got != s {
			t.Fatalf("ParseTopic(%q) = %q, %q", s, kind, id)
		}
		if events.CheckTopic(s) != nil {
			t.Fatalf("ParseTopic accepted %q that CheckTopic refuses", s)
		}
	})
}
