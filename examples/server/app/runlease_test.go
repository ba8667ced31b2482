package app

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRunLeaseSetting(t *testing.T) {
	c, err := LoadConfig(nil, envOf(nil))
	require.NoError(t, err)
	assert.Equal(t, 15*time.Second, c.RunLease)

	c, err = LoadConfig(nil, envOf(map[string]string{"KPBOT_RUN_LEASE": "3s"}))
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, c.RunLease)
	c, err = LoadConfig([]string{"-run-lease", "1m"}, envOf(map[string]string{"KPBOT_RUN_LEASE": "3s"}))
	require.NoError(t, err)
	assert.Equal(t, time.Minute, c.RunLease, "the flag wins")

	for _, bad := range []string{"500ms", "0s", "-5s", "soon"} {
		_, err = LoadConfig(nil, envOf(map[string]string{"KPBOT_RUN_LEASE": bad}))
		assert.ErrorContains(t, err, "KPBOT_RUN_LEASE", bad)
	}
}
