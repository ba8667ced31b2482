package drilltest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// Bounds of the PostgreSQL restart drill.
const (
	hangBound    = 15 * time.Second // no request may take longer (the client gives up here)
	notReadyIn   = 10 * time.Second // /readyz says 503 this soon after PostgreSQL stops
	recoveryTime = 45 * time.Second // and 200 again, and writes succeed, this soon after it starts
)

// TestDrillPostgresRestart stops a private PostgreSQL under a load of
// registrations, campaign writes and reads on two instances, and starts it
// again on the same port: /readyz goes 503 and back on every instance
// without restarting them, no request hangs, every write answered 2xx is
// there afterwards, every error is a problem document, and revocations
// and runs work again.
func TestDrillPostgresRestart(t *testing.T) {
	t.Parallel()
	if os.Getenv(dbtest.PostgresEnv) == "" {
		t.Skipf("%s is unset: skipping the PostgreSQL restart drill with the other PostgreSQL tests (it runs a private server, never the shared one)", dbtest.PostgresEnv)
	}
	pg := newPrivatePostgres(t)
	instances := startInstances(t, 2, map[string]string{
		"KPBOT_DATABASE_URL":        pg.dsn(),
		"KPBOT_JWT_SECRET":          strings.Repeat("r", 40),
		"KPBOT_BCRYPT_COST":         "4",
		"KPBOT_AUTH_RATE_LIMIT":     "0", // every drill client is 127.0.0.1
		"KPBOT_SESSION_CACHE_TTL":   "1m",
		"KPBOT_FETCH_ALLOW_PRIVATE": "true",
		"KPBOT_FETCH_DELAY":         "0s",
		"KPBOT_SHUTDOWN_TIMEOUT":    "10s",
	})
	direct := make([]*client, len(instances))
	for i, in := range instances {
		direct[i] = newClient(t, in.url, hangBound)
	}
	owner := direct[0].must(t, http.MethodPost, "/api/auth/register", "", map[string]any{"email": randomEmail(t, "owner"), "password": "owner password"})
	require.Equal(t, http.StatusCreated, owner.status, "%v", owner.body)
	token := str(t, owner.body, "access_token")

	load := &restartLoad{token: token, clients: direct}
	ctx, stopLoad := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { load.work(ctx, t, w) })
	}
	defer func() { stopLoad(); wg.Wait() }()
	require.Eventually(t, func() bool { return load.acked.Load() >= 10 }, 30*time.Second, 10*time.Millisecond, "the load gets going")

	pg.stop(t)
	stopped := time.Now()
	for i, c := range direct {
		waitReady(t, c, http.StatusServiceUnavailable, notReadyIn, "instance %d: /readyz says 503 while PostgreSQL is down", i)
		t.Logf("instance %d: /readyz 503 %.0f ms after PostgreSQL stopped", i, ms(time.Since(stopped)))
		r := c.must(t, http.MethodGet, "/healthz", "", nil)
		assert.Equal(t, http.StatusOK, r.status, "instance %d is alive all the same", i)
	}
	time.Sleep(time.Second) // a second of load against the outage
	pg.start(t)
	started := time.Now()
	load.restarted.Store(started.UnixNano())
	for i, c := range direct {
		waitReady(t, c, http.StatusOK, recoveryTime, "instance %d: /readyz 200 again after PostgreSQL is back, without a restart", i)
		t.Logf("instance %d: /readyz 200 %.0f ms after PostgreSQL started", i, ms(time.Since(started)))
	}
	require.Eventually(t, func() bool {
		return load.writesAfter[0].Load() > 0 && load.writesAfter[1].Load() > 0
	}, recoveryTime, 20*time.Millisecond, "writes succeed again on every instance")
	time.Sleep(500 * time.Millisecond)
	stopLoad()
	wg.Wait()

	load.mu.Lock()
	statuses, campaigns, users, maxTook, hangs, transport := load.statuses, load.campaigns, load.users, load.maxTook, load.hangs, load.transportErrs
	load.mu.Unlock()
	t.Logf("%d requests by status %v; %d transport errors; slowest %.0f ms; %d campaigns and %d accounts acknowledged",
		sumValues(statuses), statuses, transport, ms(maxTook), len(campaigns), len(users))
	assert.Zero(t, hangs, "no request ran into the %v client timeout", hangBound)
	assert.Less(t, maxTook, hangBound)
	assert.Zero(t, statuses[http.StatusInternalServerError], "an outage answers 503 with Retry-After, never 500")
	assert.Positive(t, statuses[http.StatusServiceUnavailable], "requests during the outage were answered 503")

	// Every acknowledged write is there, read through either instance.
	for i, id := range campaigns {
		r := direct[i%2].must(t, http.MethodGet, "/api/campaigns/"+id, token, nil)
		assert.Equal(t, http.StatusOK, r.status, "acknowledged campaign %s", id)
	}
	for i, u := range users {
		r := direct[i%2].must(t, http.MethodPost, "/api/auth/login", "", map[string]any{"email": u, "password": "drill password"})
		assert.Equal(t, http.StatusOK, r.status, "acknowledged account %s logs in", u)
	}

	// Both instances' revocation listeners and job queues are back.
	carol := direct[1].must(t, http.MethodPost, "/api/auth/register", "", map[string]any{"email": randomEmail(t, "carol"), "password": "carol password"})
	require.Equal(t, http.StatusCreated, carol.status, "%v", carol.body)
	ctoken := str(t, carol.body, "access_token")
	require.Equal(t, http.StatusOK, direct[0].must(t, http.MethodGet, "/api/auth/me", ctoken, nil).status)
	require.Equal(t, http.StatusNoContent, direct[1].must(t, http.MethodPost, "/api/auth/logout", ctoken, map[string]any{}).status)
	loggedOut := time.Now()
	assert.Eventually(t, func() bool {
		return direct[0].must(t, http.MethodGet, "/api/auth/me", ctoken, nil).status == http.StatusUnauthorized
	}, revocationBound, 5*time.Millisecond, "a logout after the restart still reaches the other instance within %v (session cache: 1m)", revocationBound)
	t.Logf("a logout after the restart was refused by the other instance after %.1f ms", ms(time.Since(loggedOut)))

	corpus := webtest.NewCorpus(t)
	camp := direct[0].must(t, http.MethodPost, "/api/campaigns", token, map[string]any{
		"name": "after the restart", "keywords": []string{"postgres", "index"}, "seed_urls": corpus.SeedURLs()[:1],
	})
	require.Equal(t, http.StatusCreated, camp.status, "%v", camp.body)
	run := direct[1].must(t, http.MethodPost, "/api/campaigns/"+str(t, camp.body, "id")+"/runs", token, nil)
	require.Equal(t, http.StatusAccepted, run.status, "%v", run.body)
	var status string
	require.Eventually(t, func() bool {
		r := direct[0].must(t, http.MethodGet, "/api/runs/"+str(t, run.body, "id"), token, nil)
		status, _ = r.body["status"].(string)
		return status != "queued" && status != "running"
	}, 90*time.Second, 100*time.Millisecond, "a run after the restart finishes")
	assert.Equal(t, "succeeded", status)
}

// restartLoad is the drill's traffic and what it was told.
type restartLoad struct {
	token       string
	clients     []*client
	acked       atomic.Int64
	restarted   atomic.Int64    // UnixNano when PostgreSQL started again
	writesAfter [2]atomic.Int64 // 2xx writes per instance sent after that

	mu            sync.Mutex
	statuses      map[int]int
	campaigns     []string // ids answered 201
	users         []string // emails answered 201
	maxTook       time.Duration
	hangs         int
	transportErrs int
}

// work sends writes and reads to instance w%2 until ctx ends.
func (l *restartLoad) work(ctx context.Context, t *testing.T, w int) {
	c := l.clients[w%len(l.clients)]
	for i := 0; ctx.Err() == nil; i++ {
		var method, path string
		var body map[string]any
		token := l.token
		email := ""
		switch i % 3 {
		case 0:
			email = fmt.Sprintf("load-%d-%d-%s", w, i, randomEmail(t, "u"))
			method, path, token = http.MethodPost, "/api/auth/register", ""
			body = map[string]any{"email": email, "password": "drill password"}
		case 1:
			method, path = http.MethodPost, "/api/campaigns"
			body = map[string]any{"name": fmt.Sprintf("load %d.%d", w, i), "keywords": []string{"postgres"}}
		default:
			method, path = http.MethodGet, "/api/campaigns?limit=5"
		}
		sent := time.Now()
		r, err := c.call(context.WithoutCancel(ctx), method, path, token, body)
		took := time.Since(sent)
		l.mu.Lock()
		l.maxTook = max(l.maxTook, took)
		switch {
		case err != nil:
			l.transportErrs++
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				l.hangs++
				t.Errorf("%s %s hung for %v: %v", method, path, took, err)
			}
		default:
			if l.statuses == nil {
				l.statuses = map[int]int{}
			}
			l.statuses[r.status]++
			if ct := r.header.Get("Content-Type"); r.status >= 400 && !strings.HasPrefix(ct, "application/problem+json") {
				t.Errorf("%s %s: %d answered with %q, not a problem document", method, path, r.status, ct)
			}
			if r.status == http.StatusCreated {
				l.acked.Add(1)
				if email != "" {
					l.users = append(l.users, email)
				} else {
					l.campaigns = append(l.campaigns, r.body["id"].(string))
				}
				if at := l.restarted.Load(); at != 0 && sent.UnixNano() > at {
					l.writesAfter[w%2].Add(1)
				}
			}
		}
		l.mu.Unlock()
		if err != nil || r.status >= 500 {
			time.Sleep(20 * time.Millisecond) // an outage: do not spin
		}
	}
}

// waitReady polls /readyz until it answers want.
func waitReady(t *testing.T, c *client, want int, within time.Duration, msgAndArgs ...any) {
	t.Helper()
	require.Eventually(t, func() bool {
		r, err := c.call(context.Background(), http.MethodGet, "/readyz", "", nil)
		return err == nil && r.status == want
	}, within, 10*time.Millisecond, msgAndArgs...)
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func sumValues(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
