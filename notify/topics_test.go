package notify_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage"
)

// answers is a CampaignReader and RunReader answering by id.
type answers map[string]error

func (a answers) Get(_ context.Context, _ *auth.Principal, id string) (*campaign.Campaign, error) {
	if err := a[id]; err != nil {
		return nil, err
	}
	return &campaign.Campaign{ID: id}, nil
}

type runAnswers map[string]error

func (a runAnswers) Get(_ context.Context, _ *auth.Principal, id string) (*agents.Run, error) {
	if err := a[id]; err != nil {
		return nil, err
	}
	return &agents.Run{ID: id}, nil
}

// TestTopicRights: refusals (not found, forbidden, another user's topic,
// a malformed topic, a kind without a reader) wrap ErrTopicForbidden; a
// reader that could not tell is a failure, not a refusal.
func TestTopicRights(t *testing.T) {
	t.Parallel()
	down := errors.New("database down")
	camps := answers{"gone": campaign.ErrNotFound, "theirs": campaign.ErrForbidden,
		"missing": storage.ErrNotFound, "down": down}
	p := &auth.Principal{User: &auth.User{ID: "u1"}}
	ctx := t.Context()

	rights := notify.NewTopicRights(camps, nil)
	require.NoError(t, rights.Authorize(ctx, p, "user:u1"))
	require.NoError(t, rights.Authorize(ctx, p, "campaign:mine"))
	for _, topic := range []string{"user:u2", "campaign:gone", "campaign:theirs", "campaign:missing", "run:any", "nonsense", "user"} {
		assert.ErrorIs(t, rights.Authorize(ctx, p, topic), notify.ErrTopicForbidden, topic)
	}
	err := rights.Authorize(ctx, p, "campaign:down")
	assert.ErrorIs(t, err, down)
	assert.NotErrorIs(t, err, notify.ErrTopicForbidden, "could not tell is not no")
	assert.ErrorIs(t, rights.Authorize(ctx, nil, "user:u1"), notify.ErrTopicForbidden, "no caller reads no user topic")

	withRuns := notify.NewTopicRights(nil, runAnswers{"theirs": campaign.ErrNotFound, "down": down})
	require.NoError(t, withRuns.Authorize(ctx, p, "run:mine"))
	assert.ErrorIs(t, withRuns.Authorize(ctx, p, "run:theirs"), notify.ErrTopicForbidden)
	assert.ErrorIs(t, withRuns.Authorize(ctx, p, "campaign:mine"), notify.ErrTopicForbidden, "no campaign reader")
	err = withRuns.Authorize(ctx, p, "run:down")
	assert.ErrorIs(t, err, down)
	assert.NotErrorIs(t, err, notify.ErrTopicForbidden)
}

// TestResolveAndClientTopic: the bare "user" is the caller's own topic,
// shown back as "user"; other topics pass through once well formed.
func TestResolveAndClientTopic(t *testing.T) {
	t.Parallel()
	got, err := events.ResolveTopic("u1", "user")
	require.NoError(t, err)
	assert.Equal(t, "user:u1", got)
	assert.Equal(t, "user", events.ClientTopic(got))
	got, err = events.ResolveTopic("u1", "campaign:c1")
	require.NoError(t, err)
	assert.Equal(t, "campaign:c1", events.ClientTopic(got))
	_, err = events.ResolveTopic("", "user")
	assert.ErrorIs(t, err, events.ErrInvalidTopic)
	_, err = events.ResolveTopic("u1", "room:1")
	assert.ErrorIs(t, err, events.ErrInvalidTopic)
}
