package httpapi_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage"
	"github.com/kpbot/kpbot/transport/httpapi"
)

// TestTopicAuthorizer: refusals (not found, forbidden, another user's
// topic, a malformed topic) wrap ErrTopicForbidden; a check that could
// not tell is a failure, not a refusal.
func TestTopicAuthorizer(t *testing.T) {
	down := errors.New("database down")
	answer := map[string]error{"mine": nil, "gone": campaign.ErrNotFound, "theirs": campaign.ErrForbidden,
		"missing": storage.ErrNotFound, "down": down}
	check := func(_ context.Context, _ *auth.Principal, id string) error { return answer[id] }
	authorize := httpapi.NewTopicAuthorizer(check, nil)
	p := &auth.Principal{User: &auth.User{ID: "u1"}}
	ctx := t.Context()

	assert.NoError(t, authorize(ctx, p, "user:u1"))
	assert.NoError(t, authorize(ctx, p, "campaign:mine"))
	for _, topic := range []string{"user:u2", "campaign:gone", "campaign:theirs", "campaign:missing", "run:any", "nonsense"} {
		assert.ErrorIs(t, authorize(ctx, p, topic), httpapi.ErrTopicForbidden, topic)
	}
	err := authorize(ctx, p, "campaign:down")
	assert.ErrorIs(t, err, down)
	assert.NotErrorIs(t, err, httpapi.ErrTopicForbidden, "could not tell is not no")
}
