package main

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage/dbtest"
)

// TestMixedSmoke runs the soak for a few seconds: two instance processes
// on PostgreSQL (and Redis when configured), every operation, sockets
// that move between instances. The soak itself is `loadtest mixed`
// (README.md, Benchmarks); nothing here asserts on speed.
func TestMixedSmoke(t *testing.T) {
	dsn := os.Getenv(dbtest.PostgresEnv)
	if dsn == "" {
		t.Skipf("%s is unset: skipping the mixed scenario's smoke run (it needs PostgreSQL)", dbtest.PostgresEnv)
	}
	o := defaultMixedOptions()
	o.DatabaseURL = dsn
	o.RedisURL = os.Getenv("KPBOT_TEST_REDIS_URL")
	o.Duration = 4 * time.Second
	o.Users = 4
	o.Rate = 40
	o.Sockets = 3
	o.Reconnect = time.Second
	o.Sample = 500 * time.Millisecond
	o.BcryptCost = 4
	var out strings.Builder
	rep, err := runMixed(t.Context(), o, &out)
	require.NoError(t, err, "%s", out.String())
	t.Log(out.String())

	assert.Zero(t, rep.Server5xx, "no 5xx")
	assert.Zero(t, rep.NoAnswer, "every request was answered")
	assert.Greater(t, rep.Requests, 50)
	for _, op := range rep.Ops {
		assert.Empty(t, op.Other, "%s: no unexpected 4xx", op.Op)
	}
	assert.Positive(t, rep.WS.Events, "the sockets saw the runs' events")
	assert.Positive(t, rep.WS.Reconnects)
	assert.Zero(t, rep.WS.Gaps)
	assert.Zero(t, rep.WS.Duplicates)
	require.Len(t, rep.Instances, 2)
	for i, in := range rep.Instances {
		assert.GreaterOrEqual(t, len(in.Samples), 3, "instance %d was sampled", i)
		assert.Equal(t, "0", in.Exit, "instance %d drained and exited 0", i)
		assert.Zero(t, in.ErrorLogLines, "instance %d logged no error: %v", i, in.FirstErrorLines)
		for _, s := range in.Samples {
			assert.Positive(t, s.RSS)
			assert.Positive(t, s.Goroutines)
		}
	}
	assert.Contains(t, out.String(), "| POST /api/campaigns/{id}/runs")
	assert.Contains(t, out.String(), "MiB/min")
}

func TestSlopePerMinute(t *testing.T) {
	var s []resourceSample
	for i := range 7 {
		s = append(s, resourceSample{At: time.Duration(i) * 30 * time.Second, RSS: 100 + 4*float64(i), Goroutines: 50})
	}
	assert.InDelta(t, 8, slopePerMinute(s, func(r resourceSample) float64 { return r.RSS }), 1e-9, "4 every 30 s is 8 a minute")
	assert.InDelta(t, 0, slopePerMinute(s, func(r resourceSample) float64 { return r.Goroutines }), 1e-9)
	assert.Zero(t, slopePerMinute(s[:1], func(r resourceSample) float64 { return r.RSS }))
}

func TestPercentile(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 100; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	assert.Equal(t, 50*time.Millisecond, percentile(d, 50))
	assert.Equal(t, 99*time.Millisecond, percentile(d, 99))
	assert.Equal(t, 100*time.Millisecond, percentile(d, 100))
	assert.Zero(t, percentile(nil, 99))
}

func TestMixedFlags(t *testing.T) {
	var stderr strings.Builder
	assert.Equal(t, 2, mainCode(t.Context(), []string{"mixed", "-duration", "1s"}, &strings.Builder{}, &stderr))
	assert.Contains(t, stderr.String(), "must name PostgreSQL")
	stderr.Reset()
	assert.Equal(t, 2, mainCode(t.Context(), []string{"mixed", "-database-url", "postgres://u@10.1.2.3/db"}, &strings.Builder{}, &stderr))
	assert.Contains(t, stderr.String(), "not a loopback")
	o, err := parseMixedOptions([]string{"-database-url", "postgres://postgres@127.0.0.1/test", "-duration", "2m", "-server-env", "KPBOT_MAX_RUNS=2"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, 2*time.Minute, o.Duration)
	assert.Equal(t, "2", o.ServerEnv["KPBOT_MAX_RUNS"])
	assert.Equal(t, 10*time.Minute, defaultMixedOptions().Duration, "the soak runs ten minutes unless told otherwise")
}
