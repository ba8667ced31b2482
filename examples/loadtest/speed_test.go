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

// TestSpeedSmall runs the speed scenario small (3 blogs × 2 posts, a
// short delay and latency) through a real server process on SQLite, and
// checks what it did, not how fast: the speed targets are what
// `loadtest speed` reports (README.md, Benchmarks).
func TestSpeedSmall(t *testing.T) {
	o := defaultSpeedOptions()
	o.Hosts, o.Posts = 3, 2
	o.Latency, o.Delay, o.Concurrency = 20*time.Millisecond, 50*time.Millisecond, 2
	o.Timeout = 2 * time.Minute
	checkSpeedRun(t, o)
}

// TestSpeedSmallPostgres is TestSpeedSmall on PostgreSQL.
func TestSpeedSmallPostgres(t *testing.T) {
	dsn := os.Getenv(dbtest.PostgresEnv)
	if dsn == "" {
		t.Skipf("%s is unset: skipping the speed scenario on PostgreSQL", dbtest.PostgresEnv)
	}
	o := defaultSpeedOptions()
	o.Hosts, o.Posts = 3, 2
	o.Latency, o.Delay, o.Concurrency = 20*time.Millisecond, 50*time.Millisecond, 2
	o.Timeout = 2 * time.Minute
	o.Postgres = dsn
	checkSpeedRun(t, o)
}

func checkSpeedRun(t *testing.T, o speedOptions) {
	t.Helper()
	var out strings.Builder
	rep, err := runSpeed(t.Context(), o, &out)
	require.NoError(t, err, "%s", out.String())
	t.Log(out.String())

	require.Len(t, rep.Campaigns, 1)
	c := rep.Campaigns[0]
	assert.Equal(t, "succeeded", c.Run.Status, "run error: %s", c.Run.Error)
	assert.Equal(t, 1, rep.Succeeded)
	assert.Equal(t, 3, c.MaxProspects, "half the posts")
	assert.Equal(t, o.Hosts*o.Posts, rep.PostsFetched, "every post read")
	assert.Positive(t, rep.StoredDrafts, "drafts stored")
	assert.Equal(t, rep.Drafts, rep.StoredDrafts, "the API lists every draft the run counts")
	assert.LessOrEqual(t, rep.StoredDrafts, c.MaxProspects)
	assert.GreaterOrEqual(t, rep.ModelCalls, int64(rep.StoredDrafts), "at least one model call a draft")
	assert.Positive(t, rep.ServerModelCalls, "the run counted its model calls")
	assert.LessOrEqual(t, int64(rep.ServerModelCalls), rep.ModelCalls)
	assert.Positive(t, rep.MaxInFlight)
	assert.LessOrEqual(t, rep.MaxInFlight, int64(o.Concurrency), "never more calls at once than configured")
	// robots.txt, home page, feed and every post of each blog.
	assert.Equal(t, o.Posts+3, rep.BusiestHost)
	assert.GreaterOrEqual(t, rep.HostRequests, o.Hosts*(o.Posts+3))
	assert.Equal(t, time.Duration(o.Posts+2)*o.Delay, rep.CrawlBound)
	assert.Positive(t, rep.Crawl)
	assert.Positive(t, rep.Drafting)
	assert.Positive(t, rep.Total)
	assert.GreaterOrEqual(t, rep.Total, rep.Crawl)
	assert.False(t, isNaN(rep.CrawlRatio) || isNaN(rep.DraftRatio) || isNaN(rep.CallsPerDraft))
	assert.Positive(t, max(rep.PeakRSS, rep.SampledPeakRSS), "the server's peak RSS")
	assert.Equal(t, "0", rep.ServerExit, "the server drained and exited 0")
	assert.Zero(t, rep.ErrorLogLines, "no error logged: %v", rep.FirstErrorLines)
	for _, s := range []string{"| hosts", "crawl bound", "research + analysis", "server peak RSS",
		"| drafting calls", "calls per draft", "most calls at once", "runs succeeded: 1 of 1 — PASS"} {
		assert.Contains(t, out.String(), s)
	}
}

func isNaN(f float64) bool { return f != f }

func TestSpeedFlags(t *testing.T) {
	var stderr strings.Builder
	assert.Equal(t, 2, mainCode(t.Context(), []string{"speed", "-hosts", "0"}, &strings.Builder{}, &stderr))
	assert.Contains(t, stderr.String(), "-hosts")
	stderr.Reset()
	assert.Equal(t, 2, mainCode(t.Context(), []string{"speed", "-postgres", "postgres://u@10.1.2.3/db"}, &strings.Builder{}, &stderr))
	assert.Contains(t, stderr.String(), "not a loopback")
	stderr.Reset()
	assert.Equal(t, 2, mainCode(t.Context(), []string{"speed", "-concurrency", "65"}, &strings.Builder{}, &stderr))
	assert.Contains(t, stderr.String(), "-concurrency")
	o, err := parseSpeedOptions([]string{"-hosts", "400", "-latency", "100ms", "-delay", "2s", "-server-env", "KPBOT_MAX_RUNS=8"}, &stderr)
	require.NoError(t, err)
	assert.Equal(t, 400, o.Hosts)
	assert.Equal(t, 100*time.Millisecond, o.Latency)
	assert.Equal(t, 2*time.Second, o.Delay)
	assert.Equal(t, "8", o.ServerEnv["KPBOT_MAX_RUNS"])
	d := defaultSpeedOptions()
	assert.Equal(t, []any{40, 5, 400 * time.Millisecond, 4, time.Second}, []any{d.Hosts, d.Posts, d.Latency, d.Concurrency, d.Delay}, "issue 12's scenario by default")
}

func TestSpeedReportRatios(t *testing.T) {
	at := func(s float64) *time.Time {
		v := time.Unix(1000, 0).Add(time.Duration(s * float64(time.Second)))
		return &v
	}
	run := speedRun{Status: "succeeded", StartedAt: at(0), FinishedAt: at(20)}
	run.Steps = []speedStep{{"research", at(1), at(5)}, {"analysis", at(4), at(8.5)}, {"drafting", at(8), at(19)}}
	run.Stats.Drafts = 50
	r := speedReport{Options: speedOptions{Hosts: 40, Posts: 5, Delay: time.Second, Latency: 400 * time.Millisecond, Concurrency: 4},
		Campaigns: []speedCampaign{{Run: run, StoredDrafts: 50}}, BusiestHost: 8, ModelCalls: 100}
	r.compute()
	assert.Equal(t, 7500*time.Millisecond, r.Crawl, "first research start to last analysis end")
	assert.Equal(t, 7*time.Second, r.CrawlBound, "(8 requests - 1) × 1 s")
	assert.InDelta(t, 7.5/7, r.CrawlRatio, 1e-9)
	assert.Equal(t, 1.5, r.CrawlTarget)
	assert.True(t, r.CrawlOK())
	assert.Equal(t, 11*time.Second, r.Drafting)
	assert.Equal(t, 10*time.Second, r.DraftBound, "100 calls × 400 ms ÷ 4")
	assert.InDelta(t, 1.1, r.DraftRatio, 1e-9)
	assert.True(t, r.DraftOK())
	assert.InDelta(t, 2.0, r.CallsPerDraft, 1e-9)
	assert.Equal(t, 20*time.Second, r.Total)

	r.Options.Hosts = 400
	r.Options.Delay = 0
	r.compute()
	assert.Equal(t, 2.0, r.CrawlTarget, "over 40 hosts the target is 2×")
	assert.True(t, isNaN(r.CrawlRatio), "no bound without a delay")
	var b strings.Builder
	require.NoError(t, r.WriteText(&b))
	assert.Contains(t, b.String(), "| n/a")
}
