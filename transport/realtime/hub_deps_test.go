package realtime_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/eventbus"
	"github.com/kpbot/kpbot/transport/realtime"
)

// TestNewHubRequiresDeps: a missing Log, Bus or Authorize is an error
// from NewHub, not a panic later; a hub mounts once, on a real server.
func TestNewHubRequiresDeps(t *testing.T) {
	t.Parallel()
	log := bunstore.NewEvents(dbtest.SQLite(t))
	bus := eventbus.NewLocal()
	rights := notify.NewTopicRights(nil, nil)
	for name, deps := range map[string]realtime.HubDeps{
		"no log":       {Bus: bus, Authorize: rights},
		"no bus":       {Log: log, Authorize: rights},
		"no authorize": {Log: log, Bus: bus},
	} {
		_, err := realtime.NewHub(realtime.HubConfig{}, deps)
		assert.Error(t, err, name)
	}
	hub, err := realtime.NewHub(realtime.HubConfig{}, realtime.HubDeps{Log: log, Bus: bus, Authorize: rights})
	require.NoError(t, err)
	assert.Error(t, hub.Mount(nil), "no server")

	in := newInstance(t, dbtest.SQLite(t))
	assert.ErrorContains(t, in.hub.Mount(in.srv), "already mounted")
}
