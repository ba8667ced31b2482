package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// takeoverChildEnv makes TestTakeoverServerProcess act as a server process.
const takeoverChildEnv = "KPBOT_TAKEOVER_DRILL_CHILD"

// TestTakeoverServerProcess is the server process of the takeover drill:
// the test binary, re-executed with this variable set, runs the server as
// main does. Run alone, it skips.
func TestTakeoverServerProcess(t *testing.T) {
	if os.Getenv(takeoverChildEnv) != "1" {
		t.Skip("a server process of TestKilledInstanceRunsAreTakenOver, not a test by itself")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, nil, os.Getenv, os.Stdout, os.Stderr))
}

// drillProcess is one server process of the drill.
type drillProcess struct {
	cmd  *exec.Cmd
	base string
	logs *syncBuffer
	done chan struct{}
}

// holds reports whether the lease holder names this process.
func (p *drillProcess) holds(holder string) bool {
	return strings.Contains(holder, fmt.Sprintf(":%d/", p.cmd.Process.Pid))
}

func startDrillProcess(t *testing.T, env []string) *drillProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	cmd := exec.Command(os.Args[0], "-test.run=^TestTakeoverServerProcess$")
	logs := new(syncBuffer)
	cmd.Env = append(append(os.Environ(), env...), takeoverChildEnv+"=1", "KPBOT_ADDR="+addr)
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	p := &drillProcess{cmd: cmd, base: "http://" + addr, logs: logs, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-p.done
		}
		if t.Failed() {
			t.Logf("logs of process %d:\n%s", cmd.Process.Pid, logs.String())
		}
	})
	require.Eventually(t, func() bool {
		select {
		case <-p.done:
			t.Fatalf("server process exited at start:\n%s", logs.String())
		default:
		}
		resp, err := http.Get(p.base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond, "server process ready")
	return p
}

// drillClient calls one process's API as one user.
type drillClient struct {
	t     *testing.T
	token string
}

func (c *drillClient) do(p *drillProcess, method, path string, body any, want int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(c.t, err)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, p.base+path, rd)
	require.NoError(c.t, err)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	require.Equal(c.t, want, resp.StatusCode, "%s %s: %s", method, path, raw)
	if out != nil {
		require.NoError(c.t, json.Unmarshal(raw, out), "%s %s: %s", method, path, raw)
	}
}

type drillRun struct {
	ID       string  `json:"id"`
	Status   string  `json:"status"`
	Progress float64 `json:"progress"`
	Stats    struct {
		Prospects int `json:"prospects"`
		Drafts    int `json:"drafts"`
	} `json:"stats"`
}

type drillEvent struct {
	Seq   int64           `json:"seq"`
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

// TestKilledInstanceRunsAreTakenOver is the drill of issue 8: two server
// processes on one PostgreSQL schema; the one executing a user's two runs
// is SIGKILLed mid-run; the other takes both over within the stated bound
// (KPBOT_RUN_LEASE, plus two reaper looks of a quarter of it each, plus a
// job fetch) and finishes them, with no prospect or draft doubled, no
// hole in the runs' events, progress never lower after the resume than
// before the kill, and the user's run quota held while the dead runs are
// unfinished and freed once they are.
func TestKilledInstanceRunsAreTakenOver(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two server processes")
	}
	dsn := dbtest.PostgresDSN(t) // skips without KPBOT_TEST_POSTGRES_DSN
	corpus := webtest.NewCorpus(t)
	const lease = 2 * time.Second
	env := []string{
		"KPBOT_DATABASE_URL=" + dsn,
		"KPBOT_JWT_SECRET=takeover-drill-secret-of-at-least-32-bytes",
		"KPBOT_BCRYPT_COST=4",
		"KPBOT_FETCH_ALLOW_PRIVATE=true",
		"KPBOT_FETCH_DELAY=250ms", // polite enough that a run lasts seconds
		"KPBOT_RUN_LEASE=" + lease.String(),
		"KPBOT_MAX_RUNS_PER_USER=2",
		"KPBOT_LOG_LEVEL=info",
		"KPBOT_REDIS_URL=",
	}
	// Only the first process is up when the runs start, so it executes both.
	first := startDrillProcess(t, env)
	c := &drillClient{t: t}
	var auth struct {
		AccessToken string `json:"access_token"`
	}
	c.do(first, http.MethodPost, "/api/auth/register", map[string]string{"email": "drill@example.test", "password": "correct horse battery"}, http.StatusCreated, &auth)
	c.token = auth.AccessToken

	var campaigns [2]string
	var runs [2]drillRun
	for i := range campaigns {
		var camp struct {
			ID string `json:"id"`
		}
		c.do(first, http.MethodPost, "/api/campaigns", map[string]any{
			"name": fmt.Sprintf("drill %d", i), "keywords": []string{"postgres", "go", "database", "query", "index"},
			"seed_urls": corpus.SeedURLs(),
		}, http.StatusCreated, &camp)
		campaigns[i] = camp.ID
		c.do(first, http.MethodPost, "/api/campaigns/"+camp.ID+"/runs", nil, http.StatusAccepted, &runs[i])
	}
	c.do(first, http.MethodPost, "/api/campaigns/"+campaigns[0]+"/runs", nil, http.StatusTooManyRequests, nil)

	conn, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	holderOf := func(runID string) string {
		var holder string
		require.NoError(t, conn.QueryRow(t.Context(), "SELECT lease_holder FROM kpbot_runs WHERE id = $1", runID).Scan(&holder))
		return holder
	}
	// Both runs are under way on the first process.
	require.Eventually(t, func() bool {
		for _, r := range runs {
			var got drillRun
			c.do(first, http.MethodGet, "/api/runs/"+r.ID, nil, http.StatusOK, &got)
			if got.Status != "running" || got.Progress < 0.05 || !first.holds(holderOf(r.ID)) {
				return false
			}
		}
		return true
	}, 60*time.Second, 50*time.Millisecond, "both runs executing on the first process")
	second := startDrillProcess(t, env)

	// SIGKILL the process executing them.
	require.NoError(t, first.cmd.Process.Kill())
	<-first.done
	killedAt := time.Now()
	var before [2]drillRun
	for i, r := range runs {
		c.do(second, http.MethodGet, "/api/runs/"+r.ID, nil, http.StatusOK, &before[i])
		require.Equal(t, "running", before[i].Status, "the killed process's run is unfinished")
	}
	c.do(second, http.MethodPost, "/api/campaigns/"+campaigns[0]+"/runs", nil, http.StatusTooManyRequests, nil)

	// The second process takes both over within the bound.
	bound := lease + 2*(lease/4) + time.Second // lease, two reaper looks, a job fetch
	slack := 15 * time.Second                  // a loaded test machine
	for _, r := range runs {
		require.Eventually(t, func() bool { return second.holds(holderOf(r.ID)) },
			bound+slack, 20*time.Millisecond, "run %s taken over", r.ID)
	}
	took := time.Since(killedAt)
	t.Logf("both runs taken over %s after SIGKILL (stated bound %s at KPBOT_RUN_LEASE=%s)", took.Round(time.Millisecond), bound, lease)

	for i, r := range runs {
		var done drillRun
		require.Eventually(t, func() bool {
			c.do(second, http.MethodGet, "/api/runs/"+r.ID, nil, http.StatusOK, &done)
			return done.Status != "running"
		}, 120*time.Second, 100*time.Millisecond, "run %s finishes", r.ID)
		require.Equal(t, "succeeded", done.Status)
		assert.InDelta(t, 1, done.Progress, 1e-9)

		// No prospect or draft doubled.
		var prospects struct {
			Items []struct {
				ID              string `json:"id"`
				URL             string `json:"url"`
				AcceptsComments bool   `json:"accepts_comments"`
			} `json:"items"`
		}
		c.do(second, http.MethodGet, "/api/campaigns/"+campaigns[i]+"/prospects?limit=200", nil, http.StatusOK, &prospects)
		urls, open := map[string]bool{}, map[string]bool{}
		for _, p := range prospects.Items {
			assert.False(t, urls[p.URL], "prospect %s saved twice", p.URL)
			urls[p.URL] = true
			if p.AcceptsComments {
				open[p.ID] = true
			}
		}
		assert.NotEmpty(t, urls)
		assert.Equal(t, len(prospects.Items), done.Stats.Prospects)
		var comments struct {
			Items []struct {
				ProspectID string `json:"prospect_id"`
			} `json:"items"`
		}
		c.do(second, http.MethodGet, "/api/campaigns/"+campaigns[i]+"/comments?limit=200", nil, http.StatusOK, &comments)
		drafted := map[string]bool{}
		for _, d := range comments.Items {
			assert.False(t, drafted[d.ProspectID], "prospect %s drafted twice", d.ProspectID)
			drafted[d.ProspectID] = true
			assert.True(t, open[d.ProspectID], "draft of a prospect that takes comments")
		}
		assert.Len(t, drafted, len(open), "every open prospect got exactly one draft")

		// The run's events: no hole; a second, resumed start; progress
		// never back, and after the resume not below its value at the kill.
		var evs []drillEvent
		require.Eventually(t, func() bool {
			evs = nil
			for since := int64(0); ; {
				var page struct {
					Items     []drillEvent `json:"items"`
					NextSince int64        `json:"next_since"`
				}
				c.do(second, http.MethodGet, fmt.Sprintf("/api/events?topic=run:%s&since=%d&limit=200", r.ID, since), nil, http.StatusOK, &page)
				evs = append(evs, page.Items...)
				if len(page.Items) == 0 {
					break
				}
				since = page.NextSince
			}
			return len(evs) > 0 && evs[len(evs)-1].Event == "run.succeeded"
		}, 10*time.Second, 50*time.Millisecond, "run.succeeded is stored")
		starts, last := 0, 0.0
		for j, ev := range evs {
			require.EqualValues(t, j+1, ev.Seq, "events of run %s numbered without a hole", r.ID)
			var d struct {
				Progress float64 `json:"progress"`
				Resumed  bool    `json:"resumed"`
			}
			require.NoError(t, json.Unmarshal(ev.Data, &d))
			switch ev.Event {
			case "run.started":
				starts++
				assert.Equal(t, starts > 1, d.Resumed)
				if starts > 1 {
					assert.GreaterOrEqual(t, d.Progress, before[i].Progress, "the resumed run starts where it was")
				}
			case "run.progress":
				assert.GreaterOrEqual(t, d.Progress, last, "progress of run %s never goes back (event %d)", r.ID, ev.Seq)
				if starts > 1 {
					assert.GreaterOrEqual(t, d.Progress, before[i].Progress)
				}
				last = d.Progress
			}
		}
		assert.GreaterOrEqual(t, starts, 2, "run %s was resumed", r.ID)
	}

	// The quota is free again.
	c.do(second, http.MethodPost, "/api/campaigns/"+campaigns[0]+"/runs", nil, http.StatusAccepted, nil)
	assert.Contains(t, second.logs.String(), "run of a dead instance taken over")
}
