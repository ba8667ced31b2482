package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain lets the test binary serve as the scenarios' server processes,
// which runWS and runMixed start by re-executing themselves with
// "ws-server" and "mixed-server".
func TestMain(m *testing.M) {
	if len(os.Args) > 1 && (os.Args[1] == "ws-server" || os.Args[1] == "mixed-server") {
		os.Exit(mainCode(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestWSScenarioSmall(t *testing.T) {
	var out strings.Builder
	rs, err := runWS(t.Context(), wsOptions{Conns: []int{25}, Events: 10, Timeout: 30e9}, &out)
	require.NoError(t, err)
	require.Len(t, rs, 1)
	r := rs[0]
	assert.EqualValues(t, 250, r.Delivered, "every client got every event")
	assert.Zero(t, r.Lost)
	assert.Zero(t, r.OutOfOrder)
	assert.Equal(t, 25, r.ServerConnections)
	assert.Positive(t, r.P99)
	assert.GreaterOrEqual(t, r.Max, r.P99)
	assert.Contains(t, out.String(), "| 25 | 10 |")
}

func TestWSMainFlags(t *testing.T) {
	var stderr strings.Builder
	assert.Equal(t, 2, wsMain(t.Context(), []string{"ws", "-conns", "0"}, &strings.Builder{}, &stderr))
	assert.Contains(t, stderr.String(), "positive")
	assert.Equal(t, 2, wsMain(t.Context(), []string{"ws", "-events", "0", "-conns", "5"}, &strings.Builder{}, &stderr))
}
