package campaign_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/campaign"
)

func principal(id string, role auth.Role) *auth.Principal {
	return &auth.Principal{User: &auth.User{ID: id, Role: role}}
}

func TestAccessRules(t *testing.T) {
	t.Parallel()
	c := &campaign.Campaign{ID: "c", OwnerID: "owner"}
	cases := []struct {
		who                    *auth.Principal
		read, write, canReview bool
	}{
		{principal("owner", auth.RoleUser), true, true, false},
		{principal("stranger", auth.RoleUser), false, false, false},
		{principal("mod", auth.RoleModerator), true, false, true},
		{principal("owner", auth.RoleModerator), true, true, true},
		{principal("admin", auth.RoleAdmin), true, true, true},
		{nil, false, false, false},
		{&auth.Principal{}, false, false, false},
	}
	for _, tc := range cases {
		name := "nil"
		if tc.who != nil && tc.who.User != nil {
			name = tc.who.User.ID + "/" + string(tc.who.User.Role)
		}
		assert.Equal(t, tc.read, campaign.CanRead(tc.who, c), "read %s", name)
		assert.Equal(t, tc.write, campaign.CanWrite(tc.who, c), "write %s", name)
		assert.Equal(t, tc.canReview, campaign.CanReview(tc.who), "review %s", name)
	}
	assert.False(t, campaign.CanRead(principal("owner", auth.RoleUser), nil))
}
