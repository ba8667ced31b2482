package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// speedSeedsPerCampaign is the most seed URLs one campaign takes (the
// API's seed_urls maxItems, campaign.MaxSeedURLs): more hosts than that
// are split over several campaigns run at once.
const speedSeedsPerCampaign = 100

// speedOptions configure the speed scenario: issue 12's campaign, end to
// end through the whole server.
type speedOptions struct {
	Hosts       int               // blogs, each on its own loopback address
	Posts       int               // posts per blog
	Latency     time.Duration     // the fake model's answer time
	Concurrency int               // KPBOT_LLM_CONCURRENCY: model calls one run makes at once
	Delay       time.Duration     // KPBOT_FETCH_DELAY: the politeness delay per host
	Postgres    string            // PostgreSQL on loopback; empty: a fresh SQLite file
	Timeout     time.Duration     // bounds the whole run
	ServerEnv   map[string]string // KPBOT_* overrides
}

func defaultSpeedOptions() speedOptions {
	return speedOptions{Hosts: 40, Posts: 5, Latency: 400 * time.Millisecond, Concurrency: 4, Delay: time.Second, Timeout: 15 * time.Minute}
}

// speedMain runs "loadtest speed [flags]".
func speedMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runCommand(ctx, "loadtest speed", args[1:], stdout, stderr, parseSpeedOptions,
		func(ctx context.Context, o speedOptions, stdout io.Writer) error {
			_, err := runSpeed(ctx, o, stdout)
			return err
		})
}

func parseSpeedOptions(args []string, stderr io.Writer) (speedOptions, error) {
	o := defaultSpeedOptions()
	fs := flag.NewFlagSet("loadtest speed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.Hosts, "hosts", o.Hosts, "blogs, each on its own loopback address (over 100: split over campaigns of 100 seeds, run at once)")
	fs.IntVar(&o.Posts, "posts", o.Posts, "posts per blog")
	fs.DurationVar(&o.Latency, "latency", o.Latency, "the fake model server's answer time")
	fs.IntVar(&o.Concurrency, "concurrency", o.Concurrency, "model calls one run makes at once (KPBOT_LLM_CONCURRENCY)")
	fs.DurationVar(&o.Delay, "delay", o.Delay, "politeness delay per host (KPBOT_FETCH_DELAY)")
	fs.StringVar(&o.Postgres, "postgres", "", "PostgreSQL on loopback, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable (a fresh schema is made and dropped); default: a fresh SQLite file")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "bounds the whole run")
	if err := parseFlags(fs, args, &o.ServerEnv, "comma-separated KPBOT_NAME=value overrides for the server"); err != nil {
		return o, err
	}
	return o, o.Validate()
}

// Validate reports options the scenario cannot start with.
func (o speedOptions) Validate() error {
	var errs []error
	if o.Hosts < 1 || o.Hosts > 2000 {
		errs = append(errs, errors.New("-hosts must be between 1 and 2000"))
	}
	if o.Posts < 1 || o.Posts > 100 {
		errs = append(errs, errors.New("-posts must be between 1 and 100"))
	}
	if o.Latency < 0 || o.Delay < 0 || o.Timeout <= 0 {
		errs = append(errs, errors.New("-latency and -delay must not be negative, -timeout must be positive"))
	}
	if o.Concurrency < 1 || o.Concurrency > 64 {
		errs = append(errs, errors.New("-concurrency must be between 1 and 64 (the server's KPBOT_LLM_CONCURRENCY range)"))
	}
	if o.Postgres != "" {
		if !isPostgres(o.Postgres) {
			errs = append(errs, fmt.Errorf("-postgres: %q is not a postgres:// URL", o.Postgres))
		} else if err := checkLoopbackDatabase(o.Postgres); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(append(errs, checkServerEnv(o.ServerEnv))...)
}

// speedCampaign is one campaign of the scenario and what its run did.
type speedCampaign struct {
	ID           string
	RunID        string
	Hosts        int // seed hosts
	MaxProspects int
	Run          speedRun
	StoredDrafts int // drafts listed by GET /api/campaigns/{id}/comments
}

// speedRun is the part of a run (GET /api/runs/{id}) the scenario reads.
type speedRun struct {
	Status     string      `json:"status"`
	Error      string      `json:"error"`
	StartedAt  *time.Time  `json:"started_at"`
	FinishedAt *time.Time  `json:"finished_at"`
	Steps      []speedStep `json:"steps"`
	Stats      struct {
		PostsFetched int `json:"posts_fetched"`
		Prospects    int `json:"prospects"`
		Drafts       int `json:"drafts"`
		ModelCalls   int `json:"model_calls"`
	} `json:"stats"`
}

// speedStep is one step of a run.
type speedStep struct {
	Name       string     `json:"name"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
}

// step returns the times of the run's step name (zero when absent).
func (r speedRun) step(name string) (start, end time.Time) {
	for _, s := range r.Steps {
		if s.Name == name {
			if s.StartedAt != nil {
				start = *s.StartedAt
			}
			if s.FinishedAt != nil {
				end = *s.FinishedAt
			}
		}
	}
	return start, end
}

func (r speedRun) finished() bool {
	switch r.Status {
	case "succeeded", "failed", "cancelled":
		return true
	}
	return false
}

// speedClient talks to the server under test as one user.
type speedClient struct {
	base, token string
	http        *http.Client
}

// do sends a JSON request and decodes a JSON answer into out (when not
// nil); any status but want is an error carrying the body.
func (c *speedClient) do(ctx context.Context, method, path string, body, out any, want int) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("%s %s: encode: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: read: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, path, err)
		}
	}
	return nil
}

// runSpeed runs the speed scenario and prints its report to out: the
// blogs, the fake model and the server (a child process: this program
// re-executed as "mixed-server") start, a user registers, creates the
// campaign (several above 100 hosts) and starts its run, the run is
// followed by polling GET /api/runs/{id}, and its steps' times are set
// against the politeness and model bounds.
func runSpeed(ctx context.Context, o speedOptions, out io.Writer) (speedReport, error) {
	rep := speedReport{Options: o}
	if err := o.Validate(); err != nil {
		return rep, err
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	tmpDir, err := os.MkdirTemp("", "kpbot-speed-*")
	if err != nil {
		return rep, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmpDir)

	farm, err := startSpeedFarm(o.Hosts, o.Posts)
	if err != nil {
		return rep, err
	}
	defer farm.close()
	model, err := startSpeedModel(o.Latency)
	if err != nil {
		return rep, err
	}
	defer model.Close()

	dsn := "file:" + filepath.Join(tmpDir, "kpbot.db")
	rep.Database = "SQLite"
	if o.Postgres != "" {
		_, withSchema, drop, err := freshSchema(ctx, o.Postgres)
		if err != nil {
			return rep, err
		}
		defer drop()
		dsn, rep.Database = withSchema, "PostgreSQL"
	}
	campaigns := (o.Hosts + speedSeedsPerCampaign - 1) / speedSeedsPerCampaign
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return rep, err
	}
	env := map[string]string{
		"KPBOT_DATABASE_URL":        dsn,
		"KPBOT_JWT_SECRET":          hex.EncodeToString(secret),
		"KPBOT_BCRYPT_COST":         "4", // one registration; not what is measured
		"KPBOT_ACCESS_TTL":          (o.Timeout + 5*time.Minute).String(),
		"KPBOT_FETCH_ALLOW_PRIVATE": "true", // the blogs are on loopback
		"KPBOT_FETCH_DELAY":         o.Delay.String(),
		"KPBOT_LLM_BASE_URL":        model.URL,
		"KPBOT_LLM_MODEL":           "fake",
		"KPBOT_LLM_CONCURRENCY":     strconv.Itoa(o.Concurrency),
		"KPBOT_MAX_RUNS":            strconv.Itoa(max(4, campaigns)),
		"KPBOT_MAX_RUNS_PER_USER":   strconv.Itoa(max(2, campaigns)),
		"KPBOT_LOG_LEVEL":           "warn",
		"KPBOT_SHUTDOWN_TIMEOUT":    "20s",
	}
	for k, v := range o.ServerEnv {
		env[k] = v
	}
	fmt.Fprintf(out, "speed: %d blogs × %d posts on loopback addresses, a fake model answering in %v, the server on %s...\n",
		o.Hosts, o.Posts, o.Latency, rep.Database)
	inst, err := startMixedInstance(ctx, env, filepath.Join(tmpDir, "server.log"))
	if err != nil {
		return rep, err
	}
	stopped := false
	defer func() {
		if !stopped {
			_ = inst.stop()
		}
	}()
	httpClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		Proxy: nil, DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
	defer httpClient.CloseIdleConnections()
	acc, err := registerAccount(ctx, httpClient, inst.hello.URL)
	if err != nil {
		return rep, err
	}
	c := &speedClient{base: inst.hello.URL, token: acc.accessToken, http: httpClient}

	// 100 drafts (fewer for a small farm), shared out over the campaigns.
	prospects := max(min(o.Hosts*o.Posts/2, 100), 1)
	for i := range campaigns {
		from, to := i*o.Hosts/campaigns, (i+1)*o.Hosts/campaigns
		sc := speedCampaign{Hosts: to - from, MaxProspects: max((i+1)*prospects/campaigns-i*prospects/campaigns, 1)}
		var created struct {
			ID string `json:"id"`
		}
		if err := c.do(ctx, http.MethodPost, "/api/campaigns", map[string]any{
			"name": fmt.Sprintf("speed %d", i), "keywords": []string{"postgres", "index", "query", "database"},
			"seed_urls": farm.seedURLs(from, to), "max_prospects": sc.MaxProspects,
		}, &created, http.StatusCreated); err != nil {
			return rep, fmt.Errorf("create campaign %d: %w", i, err)
		}
		sc.ID = created.ID
		rep.Campaigns = append(rep.Campaigns, sc)
	}

	sampler := startRSSSampler(ctx, httpClient, inst.hello.URL)
	start := time.Now()
	for i := range rep.Campaigns {
		var run struct {
			ID string `json:"id"`
		}
		if err := c.do(ctx, http.MethodPost, "/api/campaigns/"+rep.Campaigns[i].ID+"/runs", nil, &run, http.StatusAccepted); err != nil {
			sampler.stop()
			return rep, fmt.Errorf("start run %d: %w", i, err)
		}
		rep.Campaigns[i].RunID = run.ID
	}
	err = followSpeedRuns(ctx, c, rep.Campaigns, out)
	rep.Observed = time.Since(start)
	rep.SampledPeakRSS = sampler.stop()
	if err != nil {
		return rep, err
	}
	for i := range rep.Campaigns {
		n, err := countDrafts(ctx, c, rep.Campaigns[i].ID)
		if err != nil {
			return rep, err
		}
		rep.Campaigns[i].StoredDrafts = n
	}
	rep.PeakRSS = processPeakRSS(inst.hello.PID)
	stopped = true
	rep.ServerExit = "0"
	if err := inst.stop(); err != nil {
		rep.ServerExit = err.Error()
	}
	rep.ErrorLogLines, rep.FirstErrorLines = inst.errorLines()
	rep.HostRequests, rep.BusiestHost, rep.MinGap = farm.stats()
	rep.ModelCalls, rep.MaxInFlight = model.Calls(), model.MaxInFlight()
	rep.compute()
	return rep, rep.WriteText(out)
}

// followSpeedRuns polls every campaign's run until all have finished,
// printing a line whenever a run's status changes.
func followSpeedRuns(ctx context.Context, c *speedClient, cs []speedCampaign, out io.Writer) error {
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		done := 0
		for i := range cs {
			sc := &cs[i]
			if sc.Run.finished() {
				done++
				continue
			}
			var r speedRun
			if err := c.do(ctx, http.MethodGet, "/api/runs/"+sc.RunID, nil, &r, http.StatusOK); err != nil {
				return fmt.Errorf("follow run %d: %w", i, err)
			}
			if r.Status != sc.Run.Status {
				fmt.Fprintf(out, "  run %d: %s\n", i, r.Status)
			}
			sc.Run = r
			if r.finished() {
				done++
			}
		}
		if done == len(cs) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("runs not finished: %w", ctx.Err())
		case <-tick.C:
		}
	}
}

// countDrafts counts a campaign's drafts through the API, page by page.
func countDrafts(ctx context.Context, c *speedClient, campaignID string) (int, error) {
	n, cursor := 0, ""
	for {
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor string            `json:"next_cursor"`
		}
		path := "/api/campaigns/" + campaignID + "/comments?limit=200"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.do(ctx, http.MethodGet, path, nil, &page, http.StatusOK); err != nil {
			return n, fmt.Errorf("list drafts: %w", err)
		}
		n += len(page.Items)
		if page.NextCursor == "" {
			return n, nil
		}
		cursor = page.NextCursor
	}
}

// rssSampler reads the server's process_resident_memory_bytes from
// /metrics every 200 ms and keeps the highest.
type rssSampler struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	peak   float64
}

func startRSSSampler(ctx context.Context, client *http.Client, base string) *rssSampler {
	ctx, cancel := context.WithCancel(ctx)
	s := &rssSampler{cancel: cancel}
	s.wg.Go(func() {
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			if v, err := readRSS(ctx, client, base); err == nil {
				s.peak = max(s.peak, v)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return s
}

// stop ends the sampling and returns the peak seen, in bytes.
func (s *rssSampler) stop() float64 {
	s.cancel()
	s.wg.Wait()
	return s.peak
}

func readRSS(ctx context.Context, client *http.Client, base string) (float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "process_resident_memory_bytes "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, errors.New("/metrics has no process_resident_memory_bytes")
}

// processPeakRSS is the peak resident set of process pid in bytes, from
// VmHWM in /proc/pid/status (Linux); 0 when it cannot be read.
func processPeakRSS(pid int) float64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			if err != nil {
				return 0
			}
			return kb * 1024
		}
	}
	return 0
}
