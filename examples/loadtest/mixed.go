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
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/jackc/pgx/v5"
)

// mixedOptions configure the mixed scenario (the soak).
type mixedOptions struct {
	DatabaseURL string            // PostgreSQL on loopback; the run gets a fresh schema in it
	RedisURL    string            // optional, loopback: shared limits and event bus
	Duration    time.Duration     // how long the load runs
	Instances   int               // server processes
	Users       int               // accounts, each one client sending requests in turn
	Rate        float64           // requests per second over all users
	Sockets     int               // WebSocket clients
	Reconnect   time.Duration     // each socket moves to the next instance this often
	Sample      time.Duration     // how often RSS and goroutines are read
	BcryptCost  int               // server bcrypt cost
	Timeout     time.Duration     // per request
	ServerEnv   map[string]string // KPBOT_* overrides
}

// mixedOp is one kind of request of the mixed scenario and its share.
type mixedOp struct {
	name   string
	weight int
}

// The operations of the mixed scenario, with their weights (out of 100).
var mixedOps = []mixedOp{
	{"GET /api/auth/me", 20},
	{"GET /api/campaigns", 12},
	{"GET /api/campaigns/{id}", 10},
	{"GET /api/campaigns/{id}/prospects", 8},
	{"GET /api/campaigns/{id}/comments", 5},
	{"GET /api/campaigns/{id}/runs", 5},
	{"POST /api/campaigns", 8},
	{"PATCH /api/campaigns/{id}", 6},
	{"DELETE /api/campaigns/{id}", 4},
	{"POST /api/auth/refresh", 10},
	{"POST /api/auth/login", 2},
	{"POST /api/campaigns/{id}/runs", 10},
}

// mixedPassword is every soak account's password.
const mixedPassword = "soak password 1"

// mixedMain runs "loadtest mixed [flags]" and "loadtest mixed-server".
func mixedMain(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if args[0] == "mixed-server" {
		if err := mixedServe(ctx, os.Stdin, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "loadtest mixed-server: %v\n", err)
			return 1
		}
		return 0
	}
	return runCommand(ctx, "loadtest mixed", args[1:], stdout, stderr, parseMixedOptions,
		func(ctx context.Context, o mixedOptions, stdout io.Writer) error {
			_, err := runMixed(ctx, o, stdout)
			return err
		})
}

func defaultMixedOptions() mixedOptions {
	return mixedOptions{
		Duration: 10 * time.Minute, Instances: 2, Users: 16, Rate: 40, Sockets: 16,
		Reconnect: 30 * time.Second, Sample: 5 * time.Second, BcryptCost: 12, Timeout: 30 * time.Second,
	}
}

func parseMixedOptions(args []string, stderr io.Writer) (mixedOptions, error) {
	o := defaultMixedOptions()
	fs := flag.NewFlagSet("loadtest mixed", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.DatabaseURL, "database-url", "", "PostgreSQL on loopback, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable (a fresh schema is made and dropped)")
	fs.StringVar(&o.RedisURL, "redis-url", "", "Redis on loopback for shared limits and events (default: none)")
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long the load runs")
	fs.IntVar(&o.Instances, "instances", o.Instances, "server processes")
	fs.IntVar(&o.Users, "users", o.Users, "accounts, each a client sending one request at a time")
	fs.Float64Var(&o.Rate, "rate", o.Rate, "requests per second over all users")
	fs.IntVar(&o.Sockets, "sockets", o.Sockets, "WebSocket clients following their user's campaign")
	fs.DurationVar(&o.Reconnect, "reconnect", o.Reconnect, "each socket reconnects to the next instance this often, resuming with since")
	fs.DurationVar(&o.Sample, "sample", o.Sample, "how often each instance's RSS and goroutines are read")
	fs.IntVar(&o.BcryptCost, "bcrypt-cost", o.BcryptCost, "server bcrypt cost (product default 12)")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "per-request timeout")
	if err := parseFlags(fs, args, &o.ServerEnv, "comma-separated KPBOT_NAME=value overrides for the servers"); err != nil {
		return o, err
	}
	return o, o.Validate()
}

// Validate reports options the scenario cannot start with.
func (o mixedOptions) Validate() error {
	var errs []error
	if !isPostgres(o.DatabaseURL) {
		errs = append(errs, errors.New("-database-url must name PostgreSQL (postgres://...): the soak runs several instances on one database"))
	} else if err := checkLoopbackDatabase(o.DatabaseURL); err != nil {
		errs = append(errs, err)
	}
	if o.RedisURL != "" {
		u, err := url.Parse(o.RedisURL)
		if err != nil || !isLoopbackHost(u.Hostname()) {
			errs = append(errs, fmt.Errorf("-redis-url: %q is not a loopback redis:// URL", o.RedisURL))
		}
	}
	if o.Duration <= 0 || o.Sample <= 0 || o.Timeout <= 0 || o.Reconnect <= 0 {
		errs = append(errs, errors.New("-duration, -sample, -timeout and -reconnect must be positive"))
	}
	if o.Instances < 1 || o.Users < 1 || o.Sockets < 0 || o.Rate <= 0 {
		errs = append(errs, errors.New("-instances, -users and -rate must be positive, -sockets not negative"))
	}
	return errors.Join(append(errs, checkServerEnv(o.ServerEnv))...)
}

// mixedReport is what a mixed run measured.
type mixedReport struct {
	Options    mixedOptions
	Schema     string
	Ops        []opSummary
	All        opSummary // every request: only its latencies are filled in
	Requests   int
	Server5xx  int
	NoAnswer   int
	WS         wsSoakStats
	Instances  []instanceReport
	Took       time.Duration
	WarmupSkip time.Duration
}

// instanceReport is one instance's resources over the run.
type instanceReport struct {
	URL             string
	Samples         []resourceSample
	RSSSlope        float64 // bytes per minute, after the warm-up
	GoroutineSlope  float64 // per minute, after the warm-up
	ErrorLogLines   int
	FirstErrorLines []string
	Exit            string
}

// wsSoakStats count what the WebSocket clients saw.
type wsSoakStats struct {
	Events, Reconnects, Gaps, Duplicates, DialErrors int64
	UnexpectedCloses                                 map[string]int64
}

// mixedRun is the shared state of one run.
type mixedRun struct {
	o         mixedOptions
	instances []*mixedInstance
	client    *http.Client
	next      atomic.Uint64 // round robin over instances, like a load balancer
	stats     map[string]*opStats
	blogURL   string

	wsMu sync.Mutex
	ws   wsSoakStats
}

// soakUser is one account and the client acting for it.
type soakUser struct {
	email, access, refresh, campaign string
	extras                           []string // campaigns it made and may delete
	relogin                          bool     // its refresh chain broke: log in again
	rng                              *mrand.Rand
}

// runMixed runs the mixed scenario and prints its report to out.
func runMixed(ctx context.Context, o mixedOptions, out io.Writer) (mixedReport, error) {
	if err := o.Validate(); err != nil {
		return mixedReport{}, err
	}
	rep := mixedReport{Options: o}
	tmpDir, err := os.MkdirTemp("", "kpbot-soak-*")
	if err != nil {
		return rep, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmpDir)
	schema, dsn, dropSchema, err := freshSchema(ctx, o.DatabaseURL)
	if err != nil {
		return rep, err
	}
	defer dropSchema()
	rep.Schema = schema

	blog := httptest.NewServer(blogHandler())
	defer blog.Close()
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return rep, err
	}
	env := map[string]string{
		"KPBOT_DATABASE_URL":        dsn,
		"KPBOT_JWT_SECRET":          hex.EncodeToString(secret),
		"KPBOT_BCRYPT_COST":         strconv.Itoa(o.BcryptCost),
		"KPBOT_AUTH_RATE_LIMIT":     "0", // every client is 127.0.0.1
		"KPBOT_ACCESS_TTL":          (o.Duration + 15*time.Minute).String(),
		"KPBOT_FETCH_ALLOW_PRIVATE": "true", // the blog is on loopback
		"KPBOT_FETCH_DELAY":         "50ms",
		"KPBOT_LOG_LEVEL":           "warn",
		"KPBOT_SHUTDOWN_TIMEOUT":    "20s",
	}
	if o.RedisURL != "" {
		env["KPBOT_REDIS_URL"] = o.RedisURL
	}
	for k, v := range o.ServerEnv {
		env[k] = v
	}
	m := &mixedRun{o: o, blogURL: blog.URL, stats: map[string]*opStats{}}
	for _, op := range mixedOps {
		m.stats[op.name] = &opStats{}
	}
	m.client = &http.Client{Timeout: o.Timeout, Transport: &http.Transport{
		MaxIdleConnsPerHost: o.Users + 4, Proxy: nil,
		DialContext: (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	}}
	defer m.client.CloseIdleConnections()
	fmt.Fprintf(out, "mixed: starting %d instances on PostgreSQL (schema %s)%s...\n", o.Instances, schema, map[bool]string{true: " and Redis", false: ""}[o.RedisURL != ""])
	stopped := false
	defer func() {
		if !stopped {
			for _, in := range m.instances {
				_ = in.stop()
			}
		}
	}()
	for i := range o.Instances {
		in, err := startMixedInstance(ctx, env, filepath.Join(tmpDir, fmt.Sprintf("instance-%d.log", i)))
		if err != nil {
			return rep, err
		}
		m.instances = append(m.instances, in)
		rep.Instances = append(rep.Instances, instanceReport{URL: in.hello.URL})
	}

	users, err := m.setup(ctx, out)
	if err != nil {
		return rep, err
	}
	fmt.Fprintf(out, "mixed: %d users at %.0f requests/s, %d WebSocket clients, for %v...\n", o.Users, o.Rate, o.Sockets, o.Duration)

	// Each socket has a session of its own, opened before the clock starts.
	tokens := make([]string, o.Sockets)
	for i := range tokens {
		if tokens[i], err = m.login(ctx, users[i%len(users)].email); err != nil {
			return rep, fmt.Errorf("socket %d: %w", i, err)
		}
	}
	lctx, stopLoad := context.WithTimeout(ctx, o.Duration)
	defer stopLoad()
	start := time.Now()
	var wg sync.WaitGroup
	samples := make([][]resourceSample, len(m.instances))
	wg.Go(func() { m.sample(lctx, start, samples, out) })
	for i, token := range tokens {
		wg.Go(func() { m.follow(lctx, i, token, users[i%len(users)].campaign) })
	}
	interval := time.Duration(float64(time.Second) * float64(o.Users) / o.Rate)
	for i, u := range users {
		wg.Go(func() { m.act(lctx, u, interval, time.Duration(i)*interval/time.Duration(len(users))) })
	}
	wg.Wait()
	rep.Took = time.Since(start)

	stopped = true
	for i, in := range m.instances {
		ir := &rep.Instances[i]
		ir.Samples = samples[i]
		ir.Exit = "0"
		if err := in.stop(); err != nil {
			ir.Exit = err.Error()
		}
		ir.ErrorLogLines, ir.FirstErrorLines = in.errorLines()
	}
	rep.WarmupSkip = min(time.Minute, o.Duration/5)
	for i := range rep.Instances {
		ir := &rep.Instances[i]
		var steady []resourceSample
		for _, s := range ir.Samples {
			if s.At >= rep.WarmupSkip {
				steady = append(steady, s)
			}
		}
		ir.RSSSlope = slopePerMinute(steady, func(s resourceSample) float64 { return s.RSS })
		ir.GoroutineSlope = slopePerMinute(steady, func(s resourceSample) float64 { return s.Goroutines })
	}
	all := &opStats{}
	for _, op := range mixedOps {
		st := m.stats[op.name]
		st.mu.Lock()
		all.latencies = append(all.latencies, st.latencies...)
		st.mu.Unlock()
		s := st.summary(op.name)
		rep.Ops = append(rep.Ops, s)
		rep.Requests += s.Requests
		for _, n := range s.ServerErrors {
			rep.Server5xx += n
		}
		for _, n := range s.Transport {
			rep.NoAnswer += n
		}
	}
	rep.All = all.summary("all")
	m.wsMu.Lock()
	rep.WS = m.ws
	m.wsMu.Unlock()
	return rep, rep.WriteText(out)
}

// setup registers the users, gives each a campaign on the local blog and
// starts a first run of it.
func (m *mixedRun) setup(ctx context.Context, out io.Writer) ([]*soakUser, error) {
	users := make([]*soakUser, m.o.Users)
	suffix := make([]byte, 4)
	if _, err := rand.Read(suffix); err != nil {
		return nil, err
	}
	for i := range users {
		u := &soakUser{email: fmt.Sprintf("soak-%s-%d@example.com", hex.EncodeToString(suffix), i), rng: mrand.New(mrand.NewPCG(uint64(i), 7))}
		status, body, err := m.do(ctx, http.MethodPost, "/api/auth/register", "", map[string]any{"email": u.email, "password": mixedPassword})
		if err != nil || status != http.StatusCreated {
			return nil, fmt.Errorf("register user %d: status %d: %v %v", i, status, body, err)
		}
		u.access, u.refresh = str(body, "access_token"), str(body, "refresh_token")
		status, body, err = m.do(ctx, http.MethodPost, "/api/campaigns", u.access, map[string]any{
			"name": fmt.Sprintf("soak %d", i), "keywords": []string{"postgres", "index", "query"},
			"seed_urls": []string{m.blogURL + "/"}, "max_prospects": blogPosts,
		})
		if err != nil || status != http.StatusCreated {
			return nil, fmt.Errorf("user %d: create campaign: status %d: %v %v", i, status, body, err)
		}
		u.campaign = str(body, "id")
		m.timed(ctx, "POST /api/campaigns/{id}/runs", http.MethodPost, "/api/campaigns/"+u.campaign+"/runs", u.access, nil, http.StatusAccepted, http.StatusTooManyRequests)
		users[i] = u
	}
	fmt.Fprintf(out, "mixed: %d users registered, each with a campaign on the local blog and a first run\n", len(users))
	return users, nil
}

// act sends u's requests, one every interval after offset, until ctx ends.
func (m *mixedRun) act(ctx context.Context, u *soakUser, interval, offset time.Duration) {
	select {
	case <-ctx.Done():
		return
	case <-time.After(offset):
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	total := 0
	for _, op := range mixedOps {
		total += op.weight
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		op := "POST /api/auth/login"
		if !u.relogin {
			n := u.rng.IntN(total)
			for _, o := range mixedOps {
				if n < o.weight {
					op = o.name
					break
				}
				n -= o.weight
			}
		}
		m.step(ctx, u, op)
	}
}

// step sends one request of kind op for u and keeps u's state current.
func (m *mixedRun) step(ctx context.Context, u *soakUser, op string) {
	c := "/api/campaigns/" + u.campaign
	switch op {
	case "GET /api/auth/me":
		m.timed(ctx, op, http.MethodGet, "/api/auth/me", u.access, nil, http.StatusOK)
	case "GET /api/campaigns":
		m.timed(ctx, op, http.MethodGet, "/api/campaigns?limit=20", u.access, nil, http.StatusOK)
	case "GET /api/campaigns/{id}":
		m.timed(ctx, op, http.MethodGet, c, u.access, nil, http.StatusOK)
	case "GET /api/campaigns/{id}/prospects":
		m.timed(ctx, op, http.MethodGet, c+"/prospects", u.access, nil, http.StatusOK)
	case "GET /api/campaigns/{id}/comments":
		m.timed(ctx, op, http.MethodGet, c+"/comments", u.access, nil, http.StatusOK)
	case "GET /api/campaigns/{id}/runs":
		m.timed(ctx, op, http.MethodGet, c+"/runs", u.access, nil, http.StatusOK)
	case "POST /api/campaigns":
		status, body := m.timed(ctx, op, http.MethodPost, "/api/campaigns", u.access,
			map[string]any{"name": fmt.Sprintf("soak extra %d", u.rng.IntN(1e6)), "keywords": []string{"postgres", "vacuum"}}, http.StatusCreated)
		if status == http.StatusCreated {
			u.extras = append(u.extras, str(body, "id"))
		}
	case "PATCH /api/campaigns/{id}":
		m.timed(ctx, op, http.MethodPatch, c, u.access, map[string]any{"tone": fmt.Sprintf("friendly %d", u.rng.IntN(100))}, http.StatusOK)
	case "DELETE /api/campaigns/{id}":
		if len(u.extras) == 0 {
			m.step(ctx, u, "POST /api/campaigns")
			return
		}
		id := u.extras[0]
		u.extras = u.extras[1:]
		m.timed(ctx, op, http.MethodDelete, "/api/campaigns/"+id, u.access, nil, http.StatusNoContent)
	case "POST /api/auth/refresh":
		status, body := m.timed(ctx, op, http.MethodPost, "/api/auth/refresh", "", map[string]any{"refresh_token": u.refresh}, http.StatusOK)
		if status == http.StatusOK {
			u.access, u.refresh = str(body, "access_token"), str(body, "refresh_token")
		} else {
			u.relogin = true
		}
	case "POST /api/auth/login":
		status, body := m.timed(ctx, op, http.MethodPost, "/api/auth/login", "", map[string]any{"email": u.email, "password": mixedPassword}, http.StatusOK)
		if status == http.StatusOK {
			u.access, u.refresh, u.relogin = str(body, "access_token"), str(body, "refresh_token"), false
		}
	case "POST /api/campaigns/{id}/runs":
		m.timed(ctx, op, http.MethodPost, c+"/runs", u.access, nil, http.StatusAccepted, http.StatusTooManyRequests)
	}
}

// timed sends one request to the next instance and records it under op:
// the first of want is the expected status, any other listed one an
// expected refusal. A request in flight when the run ends is let finish
// and counted.
func (m *mixedRun) timed(ctx context.Context, op, method, path, token string, body any, want ...int) (int, map[string]any) {
	start := time.Now()
	status, out, err := m.do(context.WithoutCancel(ctx), method, path, token, body)
	took := time.Since(start)
	refusal := false
	for _, w := range want[1:] {
		refusal = refusal || status == w
	}
	m.stats[op].add(took, status, err == nil && status == want[0], err == nil && refusal, err)
	return status, out
}

// do sends one request to the next instance in turn.
func (m *mixedRun) do(ctx context.Context, method, path, token string, body any) (int, map[string]any, error) {
	in := m.instances[int((m.next.Add(1)-1)%uint64(len(m.instances)))]
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, in.hello.URL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("read body: %w", err)
	}
	var out map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		_ = json.Unmarshal(raw, &out)
	}
	return resp.StatusCode, out, nil
}

// login opens a session of its own for one WebSocket client.
func (m *mixedRun) login(ctx context.Context, email string) (string, error) {
	status, body, err := m.do(ctx, http.MethodPost, "/api/auth/login", "", map[string]any{"email": email, "password": mixedPassword})
	if err != nil || status != http.StatusOK {
		return "", fmt.Errorf("login: status %d: %v %v", status, body, err)
	}
	return str(body, "access_token"), nil
}

// follow is one WebSocket client: it follows the campaign's topic, checks
// that seq grows by one, and every Reconnect (with jitter) moves to the
// next instance and resumes with since.
func (m *mixedRun) follow(ctx context.Context, i int, token, campaignID string) {
	topic := "campaign:" + campaignID
	rng := mrand.New(mrand.NewPCG(uint64(i), 11))
	var last int64
	for n := i; ctx.Err() == nil; n++ {
		in := m.instances[n%len(m.instances)]
		stay := m.o.Reconnect/2 + time.Duration(rng.Int64N(int64(m.o.Reconnect)))
		cctx, cancel := context.WithTimeout(ctx, stay)
		err := m.followOnce(cctx, "ws"+strings.TrimPrefix(in.hello.URL, "http")+"/api/ws", token, topic, &last)
		planned := cctx.Err() != nil
		cancel()
		m.wsMu.Lock()
		switch {
		case errors.Is(err, errDial):
			m.ws.DialErrors++
		case err != nil && !planned:
			if m.ws.UnexpectedCloses == nil {
				m.ws.UnexpectedCloses = map[string]int64{}
			}
			m.ws.UnexpectedCloses[closeReason(err)]++
		}
		if ctx.Err() == nil {
			m.ws.Reconnects++
		}
		m.wsMu.Unlock()
		if err != nil && !planned {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

var errDial = errors.New("dial")

func closeReason(err error) string {
	if code := websocket.CloseStatus(err); code != -1 {
		return "close " + strconv.Itoa(int(code))
	}
	s := err.Error()
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}

// followOnce holds one connection until ctx ends or it fails.
func (m *mixedRun) followOnce(ctx context.Context, wsURL, token, topic string, last *int64) error {
	conn, _, err := websocket.Dial(ctx, wsURL, &websocket.DialOptions{HTTPHeader: http.Header{"Authorization": {"Bearer " + token}}})
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("%w: %v", errDial, err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(1 << 20)
	if err := wsjson.Write(ctx, conn, map[string]any{"type": "subscribe", "topics": []string{topic}, "since": *last}); err != nil {
		return err
	}
	for {
		var msg struct {
			Type string `json:"type"`
			Seq  int64  `json:"seq"`
		}
		if err := wsjson.Read(ctx, conn, &msg); err != nil {
			return err
		}
		if msg.Type != "event" {
			continue
		}
		m.wsMu.Lock()
		m.ws.Events++
		switch {
		case msg.Seq <= *last:
			m.ws.Duplicates++
		case msg.Seq > *last+1:
			m.ws.Gaps++
		}
		m.wsMu.Unlock()
		*last = max(*last, msg.Seq)
	}
}

// sample reads every instance's /metrics each Sample until ctx ends, and
// prints a progress line every few samples.
func (m *mixedRun) sample(ctx context.Context, start time.Time, samples [][]resourceSample, out io.Writer) {
	tick := time.NewTicker(m.o.Sample)
	defer tick.Stop()
	progressEvery := max(int((30*time.Second)/m.o.Sample), 1)
	for n := 1; ; n++ {
		for i, in := range m.instances {
			if s, err := m.readMetrics(ctx, in.hello.URL); err == nil {
				s.At = time.Since(start)
				samples[i] = append(samples[i], s)
			}
		}
		if n%progressEvery == 0 {
			requests, fivexx := 0, 0
			for _, st := range m.stats {
				st.mu.Lock()
				requests += len(st.latencies)
				for _, c := range st.server {
					fivexx += c
				}
				st.mu.Unlock()
			}
			line := fmt.Sprintf("  %v: %d requests, %d 5xx", time.Since(start).Round(time.Second), requests, fivexx)
			for i := range samples {
				if k := len(samples[i]); k > 0 {
					line += fmt.Sprintf("; instance %d: RSS %.1f MiB, %d goroutines", i, samples[i][k-1].RSS/(1<<20), int(samples[i][k-1].Goroutines))
				}
			}
			fmt.Fprintln(out, line)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// readMetrics reads process_resident_memory_bytes and go_goroutines.
func (m *mixedRun) readMetrics(ctx context.Context, base string) (resourceSample, error) {
	req, err := http.NewRequestWithContext(context.WithoutCancel(ctx), http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return resourceSample{}, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return resourceSample{}, err
	}
	defer resp.Body.Close()
	var s resourceSample
	found := 0
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		switch name {
		case "process_resident_memory_bytes":
			s.RSS, err = strconv.ParseFloat(value, 64)
			found++
		case "go_goroutines":
			s.Goroutines, err = strconv.ParseFloat(value, 64)
			found++
		}
		if err != nil {
			return s, err
		}
	}
	if found < 2 {
		return s, errors.New("/metrics has no process_resident_memory_bytes or go_goroutines")
	}
	return s, sc.Err()
}

// freshSchema creates a schema of the run's own in the database at dsn
// and returns a DSN whose connections use it, and a function dropping it.
func freshSchema(ctx context.Context, dsn string) (schema, withSchema string, drop func(), err error) {
	suffix := make([]byte, 6)
	if _, err := rand.Read(suffix); err != nil {
		return "", "", nil, err
	}
	schema = "kpbot_soak_" + hex.EncodeToString(suffix)
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(cctx, dsn)
	if err != nil {
		return "", "", nil, fmt.Errorf("connect to -database-url: %w", err)
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	if _, err := conn.Exec(cctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return "", "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", "", nil, fmt.Errorf("-database-url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop = func() {
		dctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		c, err := pgx.Connect(dctx, dsn)
		if err != nil {
			return
		}
		defer func() { _ = c.Close(dctx) }()
		_, _ = c.Exec(dctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	}
	return schema, u.String(), drop, nil
}

func str(m map[string]any, key string) string {
	s, _ := m[key].(string)
	return s
}
