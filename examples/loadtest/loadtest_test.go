package main

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/storage/dbtest"
)

// smokeOptions runs every scenario briefly, at low concurrency and the
// cheapest bcrypt cost. Nothing here asserts on speed.
func smokeOptions() Options {
	o := defaultOptions()
	o.Duration = 300 * time.Millisecond
	o.Workers = 2
	o.Rate = 50
	o.BcryptCost = 4
	o.BcryptRuns = 3
	o.Timeout = 10 * time.Second
	return o
}

func TestRunEveryScenario(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	rep, err := run(ctx, smokeOptions(), &out)
	require.NoError(t, err)

	rows := map[string]Result{}
	for _, r := range rep.Results {
		rows[r.Name] = r
		assert.NotZero(t, r.Requests, "%s sent requests", r.Name)
		assert.Contains(t, out.String(), r.Name, "the table has a row for %s", r.Name)
	}
	for _, s := range allScenarios {
		found := false
		for _, r := range rep.Results {
			found = found || r.Scenario == s
		}
		assert.True(t, found, "scenario %s is in the report", s)
	}
	require.Len(t, rep.Results, len(allScenarios)+1, "me-flood reports /me and the flood")
	if runtime.GOOS == "linux" {
		assert.Positive(t, rows["GET /api/auth/me"].CPUPerRequest, "getrusage gives the CPU per request")
	}
	assert.Zero(t, rows["GET /api/auth/me during flood"].CPUPerRequest, "no CPU split between concurrent attacks")
	for _, name := range []string{"GET /healthz", "GET /api/auth/me", "GET /api/auth/me during flood"} {
		require.Contains(t, rows, name)
		assert.Zero(t, rows[name].Errors, "%s: %v", name, rows[name].ErrorSamples)
		assert.Equal(t, int(rows[name].Requests), rows[name].StatusCodes["200"], "%s answers 200", name)
	}
	for _, name := range []string{"POST /api/auth/login", "POST /api/auth/login, 1 worker", "login flood (concurrent)"} {
		require.Contains(t, rows, name)
		assert.Positive(t, rows[name].StatusCodes["200"], "%s logs in: %v", name, rows[name].ErrorSamples)
	}

	require.NotNil(t, rep.Bcrypt)
	assert.Equal(t, 4, rep.Bcrypt.Cost)
	assert.Len(t, rep.Bcrypt.Samples, 3)
	require.Len(t, rep.Targets, 4)
	for _, tc := range rep.Targets {
		assert.Contains(t, []string{"PASS", "FAIL"}, tc.Status, "%s is evaluated", tc.Target)
		assert.Contains(t, out.String(), tc.Target)
	}
}

func TestRunJSONSubsetOnPostgres(t *testing.T) {
	o := smokeOptions()
	o.DatabaseURL = dbtest.PostgresDSN(t) // a schema of its own: the shared database's may hold another version's tables
	o.Scenarios = []string{scenarioMe, scenarioLoginSerial}
	o.JSON = true
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out bytes.Buffer
	rep, err := run(ctx, o, &out)
	require.NoError(t, err)

	var decoded Report
	require.NoError(t, json.Unmarshal(out.Bytes(), &decoded), "the output is only the JSON report")
	assert.Equal(t, "postgres", decoded.Settings.Database)
	require.Len(t, decoded.Results, 2)
	assert.Equal(t, rep.Results[0].Requests, decoded.Results[0].Requests)
	assert.Zero(t, decoded.Results[0].Errors, "%v", decoded.Results[0].ErrorSamples)
	assert.NotZero(t, decoded.Results[1].Requests)
	statuses := map[string]string{}
	for _, tc := range decoded.Targets {
		statuses[tc.Target] = tc.Status
	}
	assert.Equal(t, "SKIP", statuses["/api/auth/me requests/s >= 50% of the bare handler's"], "no bare scenario ran")
	assert.NotEqual(t, "SKIP", statuses["/api/auth/me errors = 0"])
}

func TestParseOptions(t *testing.T) {
	t.Parallel()
	o, prof, err := parseOptions([]string{"-duration", "2s", "-connections", "4", "-scenarios", "me, login", "-cpuprofile", "cpu.out", "-json"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, 2*time.Second, o.Duration)
	assert.Equal(t, 4, o.Workers)
	assert.Equal(t, []string{"me", "login"}, o.Scenarios)
	assert.Equal(t, 12, o.BcryptCost, "the product default")
	assert.True(t, o.JSON)
	assert.Equal(t, "cpu.out", prof)

	d, _, err := parseOptions(nil, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, allScenarios, d.Scenarios)
	assert.Equal(t, 10*time.Second, d.Duration)

	for name, args := range map[string][]string{
		"unknown scenario":    {"-scenarios", "me,nope"},
		"no scenario":         {"-scenarios", ","},
		"zero duration":       {"-duration", "0s"},
		"zero workers":        {"-workers", "0"},
		"negative rate":       {"-rate", "-1"},
		"remote postgres":     {"-database-url", "postgres://u@db.example.com:5432/x"},
		"stray argument":      {"extra"},
		"remote postgres ip6": {"-database-url", "postgres://u@[2001:db8::1]:5432/x"},
	} {
		_, _, err := parseOptions(args, &bytes.Buffer{})
		assert.Error(t, err, name)
	}
	_, _, err = parseOptions([]string{"-database-url", "postgresql://u@[::1]:5432/x"}, &bytes.Buffer{})
	assert.NoError(t, err, "loopback PostgreSQL is fine")

	o, _, err = parseOptions([]string{"-server-env", "KPBOT_DB_MAX_IDLE_CONNS=10, KPBOT_BCRYPT_COST=4"}, &bytes.Buffer{})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"KPBOT_DB_MAX_IDLE_CONNS": "10", "KPBOT_BCRYPT_COST": "4"}, o.ServerEnv)
	for _, bad := range []string{"KPBOT_DATABASE_URL=postgres://db.example.com/x", "KPBOT_ADDR=0.0.0.0:80", "HOME=/", "KPBOT_X"} {
		_, _, err := parseOptions([]string{"-server-env", bad}, &bytes.Buffer{})
		assert.Error(t, err, bad)
	}
}

func TestServerEnvOverrides(t *testing.T) {
	t.Parallel()
	o := defaultOptions()
	o.ServerEnv = map[string]string{"KPBOT_DB_MAX_IDLE_CONNS": "10"}
	env, err := serverEnv(o, "file:x.db")
	require.NoError(t, err)
	assert.Equal(t, "10", env["KPBOT_DB_MAX_IDLE_CONNS"])
	assert.Equal(t, "0", env["KPBOT_AUTH_RATE_LIMIT"], "the per-IP limit is off")
	assert.Equal(t, "12", env["KPBOT_BCRYPT_COST"])
	assert.GreaterOrEqual(t, len(env["KPBOT_JWT_SECRET"]), 32)
	again, err := serverEnv(o, "file:x.db")
	require.NoError(t, err)
	assert.NotEqual(t, env["KPBOT_JWT_SECRET"], again["KPBOT_JWT_SECRET"], "a fresh secret per run")
}

func TestMainCodeExitCodes(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	assert.Equal(t, 2, mainCode(context.Background(), []string{"-workers", "0"}, &stdout, &stderr))
	assert.True(t, strings.Contains(stderr.String(), "-workers"), stderr.String())
	assert.Equal(t, 0, mainCode(context.Background(), []string{"-h"}, &stdout, &stderr))
}

func TestWriteTableAligns(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	writeTable(&b, [][]string{{"a", "n"}, {"long name", "7"}}, []bool{false, true})
	assert.Equal(t, "| a         |   n |\n| --------- | --: |\n| long name |   7 |\n", b.String())
}

func TestDurationFormats(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "0.85ms", ms(850*time.Microsecond))
	assert.Equal(t, "56.7ms", ms(56700*time.Microsecond))
	assert.Equal(t, "254ms", ms(254*time.Millisecond))
	assert.Equal(t, "385µs", us(385*time.Microsecond))
	assert.Equal(t, "272ms", us(272252*time.Microsecond))
	assert.Equal(t, "-", us(0))
}

func TestEvaluateTargets(t *testing.T) {
	t.Parallel()
	rep := Report{
		Bcrypt: &bcryptProbe{Cost: 12, Median: 200 * time.Millisecond},
		Results: []Result{
			{Scenario: scenarioBare, Name: "bare net/http", Requests: 100, RPS: 1000},
			{Scenario: scenarioMe, Name: "GET /api/auth/me", Requests: 60, RPS: 600},
			{Scenario: scenarioLoginSerial, Name: "POST /api/auth/login, 1 worker", Requests: 5, P50: 230 * time.Millisecond},
			{Scenario: scenarioMeFlood, Name: "GET /api/auth/me during flood", Requests: 9, P99: 19 * time.Millisecond},
			{Scenario: scenarioMeFlood, Name: "login flood (concurrent)", Requests: 9, P99: time.Second},
		},
	}
	got := evaluateTargets(rep)
	require.Len(t, got, 4)
	assert.Equal(t, []string{"PASS", "PASS", "PASS", "FAIL"}, []string{got[0].Status, got[1].Status, got[2].Status, got[3].Status})
	assert.Equal(t, "600 / 1000 = 60%", got[0].Measured)
	assert.Equal(t, "230ms / 200ms = 1.15x", got[3].Measured, "15% over one bcrypt comparison misses the target")

	rep.Results[1].Errors = 1
	rep.Results[3].P99 = 20 * time.Millisecond
	got = evaluateTargets(rep)
	assert.Equal(t, "FAIL", got[1].Status)
	assert.Equal(t, "FAIL", got[2].Status, "20ms is not under 20ms")
}
