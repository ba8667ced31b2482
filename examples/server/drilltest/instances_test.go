package drilltest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// authRateLimit is the per-IP limit of the instances drill, per
// operation: low enough to reach in a few requests (and one more is let
// through only every minute/4 = 15 s), high enough for each phase's own
// client (alice refreshes four times).
const authRateLimit = 4

// loginMaxFailures is the per-account failed-login limit of the drill.
const loginMaxFailures = 3

// revocationBound is how long a logout on one instance may take to be
// refused by the others. The session cache lives a minute in this drill,
// so only the event bus can meet it.
const revocationBound = 2 * time.Second

// TestDrillInstancesBehindRoundRobin runs three instances on one
// PostgreSQL schema (and the test Redis when KPBOT_TEST_REDIS_URL is set)
// behind a round-robin proxy: accounts, refreshes and WebSocket resumes
// cross instances unnoticed, a logout on one is refused by the others
// within revocationBound, and (with Redis) the per-IP limit is shared.
func TestDrillInstancesBehindRoundRobin(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"KPBOT_DATABASE_URL":        dbtest.PostgresDSN(t),
		"KPBOT_JWT_SECRET":          strings.Repeat("d", 40),
		"KPBOT_BCRYPT_COST":         "4",
		"KPBOT_TRUSTED_PROXIES":     "127.0.0.1/32",
		"KPBOT_AUTH_RATE_LIMIT":     strconv.Itoa(authRateLimit),
		"KPBOT_LOGIN_MAX_FAILURES":  strconv.Itoa(loginMaxFailures),
		"KPBOT_MAX_RUNS_PER_USER":   "2",
		"KPBOT_SESSION_CACHE_TTL":   "1m",
		"KPBOT_FETCH_ALLOW_PRIVATE": "true", // the test blogs live on loopback
		"KPBOT_FETCH_DELAY":         "100ms",
		"KPBOT_SHUTDOWN_TIMEOUT":    "10s",
	}
	redisURL := os.Getenv("KPBOT_TEST_REDIS_URL")
	if redisURL != "" {
		env["KPBOT_REDIS_URL"] = redisURL
	} else {
		t.Log("KPBOT_TEST_REDIS_URL is unset: instances share PostgreSQL only (LISTEN/NOTIFY bus, limits in memory)")
	}
	instances := startInstances(t, 3, env)
	proxy := newRoundRobin(t, instances)

	t.Run("tokens and refreshes alternate instances", func(t *testing.T) {
		alice := newClient(t, proxy.URL, 20*time.Second)
		reg := alice.must(t, http.MethodPost, "/api/auth/register", "", map[string]any{"email": randomEmail(t, "alice"), "password": "alice password"})
		require.Equal(t, http.StatusCreated, reg.status, "%v", reg.body)
		seen := map[int]bool{reg.backend: true}
		access, refresh := str(t, reg.body, "access_token"), str(t, reg.body, "refresh_token")
		for range 3 {
			me := alice.must(t, http.MethodGet, "/api/auth/me", access, nil)
			require.Equal(t, http.StatusOK, me.status, "a token issued by one instance is good on every other: %v", me.body)
			seen[me.backend] = true
		}
		assert.Len(t, seen, len(instances), "the proxy spread the requests over every instance")

		last := -1
		for i := range 4 {
			r := alice.must(t, http.MethodPost, "/api/auth/refresh", "", map[string]any{"refresh_token": refresh})
			require.Equal(t, http.StatusOK, r.status, "refresh %d: %v", i, r.body)
			assert.NotEqual(t, last, r.backend, "consecutive refreshes land on different instances")
			last = r.backend
			access, refresh = str(t, r.body, "access_token"), str(t, r.body, "refresh_token")
			me := alice.must(t, http.MethodGet, "/api/auth/me", access, nil)
			require.Equal(t, http.StatusOK, me.status, "the refreshed token is good on the next instance: %v", me.body)
		}
	})

	t.Run("websocket resumes on another instance with no gap or duplicate", func(t *testing.T) {
		corpus := webtest.NewCorpus(t)
		bob := newClient(t, proxy.URL, 20*time.Second)
		reg := bob.must(t, http.MethodPost, "/api/auth/register", "", map[string]any{"email": randomEmail(t, "bob"), "password": "bob password 1"})
		require.Equal(t, http.StatusCreated, reg.status, "%v", reg.body)
		token := str(t, reg.body, "access_token")
		camp := bob.must(t, http.MethodPost, "/api/campaigns", token, map[string]any{
			"name": "drill", "keywords": []string{"postgres", "index", "query"}, "seed_urls": corpus.SeedURLs()[:2],
		})
		require.Equal(t, http.StatusCreated, camp.status, "%v", camp.body)
		topic := "campaign:" + str(t, camp.body, "id")

		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		first, firstBackend := dialWS(ctx, t, bob, token)
		subscribe(ctx, t, first, topic, 0)
		run := bob.must(t, http.MethodPost, "/api/campaigns/"+str(t, camp.body, "id")+"/runs", token, nil)
		require.Equal(t, http.StatusAccepted, run.status, "%v", run.body)

		var got []wsEvent
		for len(got) < 3 {
			got = append(got, readEvent(ctx, t, first))
		}
		require.NoError(t, first.Close(websocket.StatusNormalClosure, "moving on"))
		second, secondBackend := dialWS(ctx, t, bob, token)
		assert.NotEqual(t, firstBackend, secondBackend, "the reconnect landed on another instance")
		subscribe(ctx, t, second, topic, got[len(got)-1].Seq)
		for !terminal(got[len(got)-1].Event) {
			got = append(got, readEvent(ctx, t, second))
		}
		_ = second.Close(websocket.StatusNormalClosure, "done")
		assert.Equal(t, "run.succeeded", got[len(got)-1].Event)
		for i, ev := range got {
			require.EqualValues(t, i+1, ev.Seq, "seq %d follows %d: no gap, no duplicate across the reconnect (events %v)", ev.Seq, i, got)
		}
		// The stored log holds the same events, in the same order.
		stored := bob.must(t, http.MethodGet, "/api/events?limit=200&topic="+topic, token, nil)
		require.Equal(t, http.StatusOK, stored.status, "%v", stored.body)
		items, _ := stored.body["items"].([]any)
		require.Len(t, items, len(got), "the sockets saw every stored event")
		for i, it := range items {
			assert.Equal(t, got[i].Event, it.(map[string]any)["event"])
		}
		t.Logf("%d events over two sockets on instances %s then %s", len(got), firstBackend, secondBackend)
	})

	t.Run("a logout on one instance is refused by the others", func(t *testing.T) {
		carol := newClient(t, proxy.URL, 20*time.Second)
		reg := carol.must(t, http.MethodPost, "/api/auth/register", "", map[string]any{"email": randomEmail(t, "carol"), "password": "carol password"})
		require.Equal(t, http.StatusCreated, reg.status, "%v", reg.body)
		token := str(t, reg.body, "access_token")
		direct := make([]*client, len(instances))
		for i, in := range instances {
			direct[i] = newClient(t, in.url, 10*time.Second)
			r := direct[i].must(t, http.MethodGet, "/api/auth/me", token, nil)
			require.Equal(t, http.StatusOK, r.status, "instance %d knows the session (and caches it for a minute)", i)
		}
		r := direct[0].must(t, http.MethodPost, "/api/auth/logout", token, map[string]any{})
		require.Equal(t, http.StatusNoContent, r.status, "%v", r.body)
		loggedOut := time.Now()
		assert.Equal(t, http.StatusUnauthorized, direct[0].must(t, http.MethodGet, "/api/auth/me", token, nil).status)

		took := make([]time.Duration, len(instances))
		var wg sync.WaitGroup
		for i := 1; i < len(instances); i++ {
			wg.Go(func() {
				took[i] = -1
				deadline := loggedOut.Add(revocationBound)
				for time.Now().Before(deadline) {
					r, err := direct[i].call(context.Background(), http.MethodGet, "/api/auth/me", token, nil)
					if err == nil && r.status == http.StatusUnauthorized {
						took[i] = time.Since(loggedOut)
						return
					}
					time.Sleep(2 * time.Millisecond)
				}
			})
		}
		wg.Wait()
		for i := 1; i < len(instances); i++ {
			if assert.GreaterOrEqual(t, took[i], time.Duration(0), "instance %d still accepted the token %v after the logout", i, revocationBound) {
				t.Logf("instance %d refused the logged-out token %.1f ms after the logout on instance 0", i, float64(took[i].Microseconds())/1000)
			}
		}
	})

	t.Run("the per-user run limit holds across instances", func(t *testing.T) {
		// A blog that never answers keeps the runs running.
		release := make(chan struct{})
		stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		}))
		t.Cleanup(stuck.Close)
		t.Cleanup(func() { close(release) }) // before Close, which waits for the handlers
		dave := newClient(t, proxy.URL, 20*time.Second)
		reg := dave.must(t, http.MethodPost, "/api/auth/register", "", map[string]any{"email": randomEmail(t, "dave"), "password": "dave password"})
		require.Equal(t, http.StatusCreated, reg.status, "%v", reg.body)
		token := str(t, reg.body, "access_token")
		var runs []string
		backends := map[int]bool{}
		for i := range 3 {
			camp := dave.must(t, http.MethodPost, "/api/campaigns", token, map[string]any{
				"name": "stuck " + strconv.Itoa(i), "keywords": []string{"postgres", "index"}, "seed_urls": []string{stuck.URL + "/"},
			})
			require.Equal(t, http.StatusCreated, camp.status, "%v", camp.body)
			r := dave.must(t, http.MethodPost, "/api/campaigns/"+str(t, camp.body, "id")+"/runs", token, nil)
			backends[r.backend] = true
			if i < 2 {
				require.Equal(t, http.StatusAccepted, r.status, "run %d of 2: %v", i+1, r.body)
				runs = append(runs, str(t, r.body, "id"))
				continue
			}
			if !assert.Equal(t, http.StatusTooManyRequests, r.status, "a third active run is refused on instance %d too: %v", r.backend, r.body) {
				for _, id := range runs {
					got := dave.must(t, http.MethodGet, "/api/runs/"+id, token, nil)
					t.Logf("run %s: %v", id, got.body)
				}
			}
		}
		assert.Greater(t, len(backends), 1, "the runs were asked of different instances")
		for _, id := range runs {
			r := dave.must(t, http.MethodPost, "/api/runs/"+id+"/cancel", token, nil)
			assert.Contains(t, []int{http.StatusAccepted, http.StatusConflict}, r.status, "%v", r.body)
		}
	})

	t.Run("the per-IP auth limit is shared", func(t *testing.T) {
		if redisURL == "" {
			t.Skip("KPBOT_TEST_REDIS_URL is unset: without Redis each instance keeps its own limits")
		}
		mallory := newClient(t, proxy.URL, 20*time.Second)
		backends := map[int]int{}
		for i := range authRateLimit {
			r := mallory.must(t, http.MethodPost, "/api/auth/login", "", map[string]any{"email": randomEmail(t, "nobody"), "password": "wrong password"})
			require.Equal(t, http.StatusUnauthorized, r.status, "login %d of %d is within the limit: %v", i+1, authRateLimit, r.body)
			backends[r.backend]++
		}
		assert.Len(t, backends, len(instances), "the attempts were spread over every instance")
		r := mallory.must(t, http.MethodPost, "/api/auth/login", "", map[string]any{"email": randomEmail(t, "nobody"), "password": "wrong password"})
		assert.Equal(t, http.StatusTooManyRequests, r.status, "attempt %d from one IP is refused, on whichever instance (%d) it lands: %v", authRateLimit+1, r.backend, r.body)
		assert.NotEmpty(t, r.header.Get("Retry-After"))
		other := newClient(t, proxy.URL, 20*time.Second)
		r = other.must(t, http.MethodPost, "/api/auth/login", "", map[string]any{"email": randomEmail(t, "nobody"), "password": "wrong password"})
		assert.Equal(t, http.StatusUnauthorized, r.status, "another client IP has its own budget: the proxy's X-Forwarded-For is believed")
	})

	t.Run("the failed-login limit of an account is shared", func(t *testing.T) {
		if redisURL == "" {
			t.Skip("KPBOT_TEST_REDIS_URL is unset: without Redis each instance counts failed logins itself")
		}
		email := randomEmail(t, "erin")
		reg := newClient(t, proxy.URL, 20*time.Second).must(t, http.MethodPost, "/api/auth/register", "", map[string]any{"email": email, "password": "erin password"})
		require.Equal(t, http.StatusCreated, reg.status, "%v", reg.body)
		backends := map[int]bool{}
		for i := range loginMaxFailures {
			r := newClient(t, proxy.URL, 20*time.Second).must(t, http.MethodPost, "/api/auth/login", "", map[string]any{"email": email, "password": "wrong password"})
			require.Equal(t, http.StatusUnauthorized, r.status, "failure %d: %v", i+1, r.body)
			backends[r.backend] = true
		}
		assert.Len(t, backends, len(instances), "each instance saw a failure")
		r := newClient(t, proxy.URL, 20*time.Second).must(t, http.MethodPost, "/api/auth/login", "", map[string]any{"email": email, "password": "erin password"})
		assert.Equal(t, http.StatusTooManyRequests, r.status, "after %d failures spread over every instance, the account's logins wait: %v", loginMaxFailures, r.body)
	})

	for i, in := range instances {
		assert.NotContains(t, in.logs.String(), `"level":"ERROR"`, "instance %d logged no error", i)
	}
}

// wsEvent is an event message of the WebSocket protocol.
type wsEvent struct {
	Type  string `json:"type"`
	Topic string `json:"topic"`
	Seq   int64  `json:"seq"`
	Event string `json:"event"`
	Code  string `json:"code"`
}

func terminal(event string) bool {
	return event == "run.succeeded" || event == "run.failed" || event == "run.cancelled"
}

// dialWS opens /api/ws through c's base URL with a bearer token and says
// which instance accepted it.
func dialWS(ctx context.Context, t *testing.T, c *client, token string) (*websocket.Conn, string) {
	t.Helper()
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(c.base, "http")+"/api/ws", &websocket.DialOptions{
		HTTPClient: c.http,
		HTTPHeader: http.Header{"Authorization": {"Bearer " + token}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.CloseNow() })
	return conn, resp.Header.Get(backendHeader)
}

// subscribe follows topic from since and waits for the acknowledgement.
func subscribe(ctx context.Context, t *testing.T, conn *websocket.Conn, topic string, since int64) {
	t.Helper()
	require.NoError(t, wsjson.Write(ctx, conn, map[string]any{"type": "subscribe", "topics": []string{topic}, "since": since}))
	for {
		var msg wsEvent
		require.NoError(t, wsjson.Read(ctx, conn, &msg))
		require.NotEqual(t, "error", msg.Type, "subscribe %s: %+v", topic, msg)
		if msg.Type == "subscribed" {
			return
		}
	}
}

// readEvent returns the next event message, skipping any other.
func readEvent(ctx context.Context, t *testing.T, conn *websocket.Conn) wsEvent {
	t.Helper()
	for {
		var msg wsEvent
		require.NoError(t, wsjson.Read(ctx, conn, &msg))
		require.NotEqual(t, "error", msg.Type, "%+v", msg)
		if msg.Type == "event" {
			return msg
		}
	}
}
