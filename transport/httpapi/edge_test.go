package httpapi

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/research"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/writer"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
)

// rawExchange sends request bytes as they are on a new connection and reads one
// response.
func (e *testEnv) rawExchange(request string) *resp {
	e.t.Helper()
	c, err := net.Dial("tcp", e.ts.Listener.Addr().String())
	require.NoError(e.t, err)
	defer c.Close()
	require.NoError(e.t, c.SetDeadline(time.Now().Add(30*time.Second)))
	_, err = io.WriteString(c, request)
	require.NoError(e.t, err)
	return readRawResp(e.t, bufio.NewReader(c))
}

func readRawResp(t testing.TB, br *bufio.Reader) *resp {
	t.Helper()
	res, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return &resp{status: res.StatusCode, header: res.Header, body: body}
}

// TestMalformedTargetsAre400: a path or query with control characters or
// invalid UTF-8 once decoded, or a query with invalid escapes, is a 400
// problem before the router. A NUL in the path used to panic bunrouter
// (500 and a stack in the log per request).
func TestMalformedTargetsAre400(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		tk := e.register("edge@example.com", "edge-password")
		camp := e.createCampaign(tk, "Edge")["id"].(string)
		for _, target := range []string{
			"/healthz%00", "/api/auth/me%00", "/healthz%00/x", "/%00", "/healthz%0a", "/healthz%7f",
			"/api/campaigns/" + camp + "%00", "/api/campaigns/%ff", "/api/campaigns/%c3%28",
			"/api/campaigns?cursor=%00", "/api/campaigns?cursor=%zz", "/api/campaigns?cursor=%ff",
			"/api/events?topic=run:%00", "/api/campaigns?%00=1", "/healthz?a=%0d%0a",
		} {
			r := e.rawExchange("GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tk.AccessToken + "\r\n\r\n")
			p := requireProblem(t, r, http.StatusBadRequest)
			assert.NotEmpty(t, fieldLocations(p), target)
		}
		// Printable non-ASCII is fine: it is simply not found.
		r := e.rawExchange("GET /api/campaigns/%C3%A9t%C3%A9 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tk.AccessToken + "\r\n\r\n")
		requireProblem(t, r, http.StatusNotFound)
		r = e.rawExchange("GET /api/campaigns?limit=5&&cursor= HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + tk.AccessToken + "\r\n\r\n")
		assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.NotContains(t, e.logs.String(), "panic")
		assert.NotContains(t, e.logs.String(), `"status":500`)
	})
}

// TestNULInJSONBodiesIs422: a JSON string holding NUL, in any field of any
// body, is a 422 naming the field, on both databases (PostgreSQL cannot
// store a NUL; SQLite cut the query short and answered 500).
func TestNULInJSONBodiesIs422(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		tk := e.register("nul@example.com", "nul-password")
		for _, c := range []struct {
			path, body, location string
		}{
			{"/api/auth/login", `{"email":"nul\u0000@example.com","password":"nul-password"}`, "body.email"},
			{"/api/auth/login", `{"email":"nul@example.com","password":"nul-pass\u0000word"}`, "body.password"},
			{"/api/auth/register", `{"email":"n2@example.com","password":"nul-password","name":"A\u0000"}`, "body.name"},
			{"/api/campaigns", `{"name":"c","keywords":["ok","b\u0000d"]}`, "body.keywords[1]"},
			{"/api/campaigns", `{"name":"c","keywords":["ok"],"seed_urls":[],"x\u0000":1}`, `body["x\u0000"]`},
			{"/api/campaigns", `{"name":"c","nested":{"a":[{"b":"\u0000"}]}}`, "body.nested.a[0].b"},
		} {
			r := e.do("POST", c.path, c.body, bearer(tk.AccessToken))
			p := requireProblem(t, r, http.StatusUnprocessableEntity)
			assert.Equal(t, []string{c.location}, fieldLocations(p), c.body)
		}
		// An escaped backslash followed by "u0000" is no NUL.
		r := e.do("POST", "/api/auth/register", `{"email":"n3@example.com","password":"nul-password","name":"\\u0000"}`)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
		assert.Equal(t, `\u0000`, r.json(t)["user"].(map[string]any)["name"])

		// Other control characters in an e-mail address are refused at the
		// edge too; surrounding white space is still trimmed.
		r = e.do("POST", "/api/auth/login", `{"email":"nul@exa\u0001mple.com","password":"nul-password"}`)
		p := requireProblem(t, r, http.StatusUnprocessableEntity)
		assert.Equal(t, []string{"body.email"}, fieldLocations(p))
		r = e.do("POST", "/api/auth/register", `{"email":"n4@exa\tmple.com","password":"nul-password"}`)
		requireProblem(t, r, http.StatusUnprocessableEntity)
		r = e.do("POST", "/api/auth/login", `{"email":" nul@example.com\n","password":"nul-password"}`)
		assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.NotContains(t, e.logs.String(), `"status":500`)
	})
}

// TestUnreadableBodiesAre400: a malformed chunked body is the client's
// fault: 400 problem, never 500, whether a JSON operation, a non-JSON body
// or a plain handler reads it.
func TestUnreadableBodiesAre400(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv(withRoutes(func(s *Server) {
			s.Router().POST("/test/read-body", func(w http.ResponseWriter, req bunrouter.Request) error {
				if _, err := io.ReadAll(req.Body); err != nil {
					return err
				}
				w.WriteHeader(http.StatusNoContent)
				return nil
			})
		}))
		chunked := func(path, ctype, body string) string {
			return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + ctype + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body
		}
		for _, body := range []string{
			"zz\r\n{}\r\n0\r\n\r\n",                                  // chunk size not hex
			"2\r\n{}XX0\r\n\r\n",                                     // chunk data not followed by CRLF
			"ffffffffffffffffff\r\n{}\r\n",                           // chunk size overflows
			"2;" + strings.Repeat("x", 8000) + "\r\n{}\r\n0\r\n\r\n", // oversized chunk extension
		} {
			for _, req := range []string{
				chunked("/api/auth/login", "application/json", body),
				chunked("/api/auth/login", "text/plain", body),
				chunked("/test/read-body", "application/octet-stream", body),
			} {
				r := e.rawExchange(req)
				assert.Less(t, r.status, 500, "%q: %s", req, r.body)
				assert.GreaterOrEqual(t, r.status, 400, "%q", req)
				assert.Equal(t, ProblemContentType, r.header.Get("Content-Type"), "%q", req)
			}
		}
		r := e.rawExchange(chunked("/api/auth/login", "application/json", "zz\r\n{}\r\n0\r\n\r\n"))
		p := requireProblem(t, r, http.StatusBadRequest)
		assert.Contains(t, p["detail"], "could not be read")
		r = e.rawExchange(chunked("/test/read-body", "application/octet-stream", "zz\r\n{}\r\n0\r\n\r\n"))
		requireProblem(t, r, http.StatusBadRequest)
		// A body cut short (the client half-closes): an unexpected EOF
		// from the client, not a database outage: 400, not 503.
		for _, ctype := range []string{"application/json", "application/octet-stream"} {
			path := "/api/auth/login"
			if ctype != "application/json" {
				path = "/test/read-body"
			}
			c, err := net.Dial("tcp", e.ts.Listener.Addr().String())
			require.NoError(t, err)
			require.NoError(t, c.SetDeadline(time.Now().Add(30*time.Second)))
			_, err = io.WriteString(c, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Type: "+ctype+"\r\nContent-Length: 100\r\n\r\n{\"email\":")
			require.NoError(t, err)
			require.NoError(t, c.(*net.TCPConn).CloseWrite())
			r := readRawResp(t, bufio.NewReader(c))
			c.Close()
			requireProblem(t, r, http.StatusBadRequest)
		}
		// A well-formed chunked body still works.
		e.register("chunk@example.com", "chunk-password")
		r = e.rawExchange(chunked("/api/auth/login", "application/json",
			"10\r\n{\"email\":\"chunk@\r\n2d\r\nexample.com\",\"password\":\"chunk-password\"}    \r\n0\r\n\r\n"))
		assert.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.NotContains(t, e.logs.String(), `"status":500`)
	})
}

// TestNetHTTPAnswersAreProblems: what net/http answers by itself, before
// any handler, to a request it cannot parse is a problem document too
// (behind ProblemListener, as the example server runs), on a fresh
// connection and on one that already served a request.
func TestNetHTTPAnswersAreProblems(t *testing.T) {
	t.Parallel()
	eachDB(t, func(t *testing.T, newEnv envFactory) {
		e := newEnv()
		cases := []struct {
			request string
			status  int
			detail  string
		}{
			{"GARBAGE\r\n\r\n", http.StatusBadRequest, "could not be parsed"},
			{"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusBadRequest, "could not be parsed"},
			{"GET /he\x00lthz HTTP/1.1\r\nHost: x\r\n\r\n", http.StatusBadRequest, "could not be parsed"},
			{"GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", http.StatusBadRequest, "could not be parsed"},
			{"GET /healthz HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n", http.StatusBadRequest, "could not be parsed"},
			{"GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n", http.StatusBadRequest, "malformed Host header"},
			{"GET /healthz HTTP/1.1\r\n\r\n", http.StatusBadRequest, "missing required Host header"},
			{"GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", http.StatusBadRequest, "could not be parsed"},
			{"GET /healthz HTTP/1.1\r\nHost: x\r\nX: " + strings.Repeat("a", http.DefaultMaxHeaderBytes+8192) + "\r\n\r\n",
				http.StatusRequestHeaderFieldsTooLarge, "headers are larger"},
			{"POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", http.StatusNotImplemented, "transfer encoding"},
			{"GET /healthz HTTP/9.1\r\nHost: x\r\n\r\n", http.StatusHTTPVersionNotSupported, "unsupported protocol version"},
			{"GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: tea\r\n\r\n", http.StatusExpectationFailed, "Expect"},
		}
		for _, c := range cases {
			conn, err := net.Dial("tcp", e.ts.Listener.Addr().String())
			require.NoError(t, err)
			require.NoError(t, conn.SetDeadline(time.Now().Add(30*time.Second)))
			_, err = io.WriteString(conn, c.request)
			require.NoError(t, err)
			br := bufio.NewReader(conn)
			r := readRawResp(t, br)
			p := requireProblem(t, r, c.status)
			assert.Contains(t, p["detail"], c.detail, "%q", c.request)
			assert.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
			_, err = br.ReadByte()
			assert.ErrorIs(t, err, io.EOF, "the connection is closed after the answer")
			conn.Close()
		}

		// On a keep-alive connection, after a served request.
		c, err := net.Dial("tcp", e.ts.Listener.Addr().String())
		require.NoError(t, err)
		defer c.Close()
		require.NoError(t, c.SetDeadline(time.Now().Add(30*time.Second)))
		br := bufio.NewReader(c)
		for range 2 {
			_, err = io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
			require.NoError(t, err)
			r := readRawResp(t, br)
			require.Equal(t, http.StatusOK, r.status)
			assert.NotEqual(t, ProblemContentType, r.header.Get("Content-Type"))
		}
		_, err = io.WriteString(c, "GET /healthz HTTP/1.1\r\nBad Header\r\n\r\n")
		require.NoError(t, err)
		requireProblem(t, readRawResp(t, br), http.StatusBadRequest)
	})
}

// TestHandlerOutputIsNeverRewritten: a handler whose response is byte for
// byte one of net/http's canned answers goes out untouched: only what
// net/http writes with no handler on the connection is replaced.
func TestHandlerOutputIsNeverRewritten(t *testing.T) {
	t.Parallel()
	const canned = "HTTP/1.1 400 Bad Request" + cannedHeaders + "400 Bad Request"
	e := newTestServer(t, dbtest.SQLite(t), withRoutes(func(s *Server) {
		s.Router().GET("/test/echo-canned", func(w http.ResponseWriter, req bunrouter.Request) error {
			// With a Content-Length and a flush before it, the canned
			// text reaches the connection as one Write of its own.
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Set("Content-Length", strconv.Itoa(3+len(canned)))
			_, _ = io.WriteString(w, "ok\n")
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, canned)
			if req.URL.Query().Get("tail") == "" {
				w.(http.Flusher).Flush()
			} // else net/http writes it after the handler returned
			return nil
		})
	}))
	for _, path := range []string{"/test/echo-canned", "/test/echo-canned?tail=1"} {
		r := e.do("GET", path, nil)
		require.Equal(t, http.StatusOK, r.status)
		assert.Equal(t, "ok\n"+canned, string(r.body), path)
	}
}

// TestPanicStackLoggedOncePerSite: the stack of a panic is logged the
// first time its site panics; repeats log one bounded line each.
func TestPanicStackLoggedOncePerSite(t *testing.T) {
	t.Parallel()
	e := newTestServer(t, dbtest.SQLite(t), withRoutes(func(s *Server) {
		s.Router().GET("/test/boom", func(http.ResponseWriter, bunrouter.Request) error {
			var m map[string]int
			m["x"] = 1 //nolint:staticcheck // SA5000 is the point: a nil map write, a runtime panic at this line
			return nil
		})
	}))
	for range 20 {
		requireProblem(t, e.do("GET", "/test/boom", nil), http.StatusInternalServerError)
	}
	var panics, stacks int
	for _, line := range strings.Split(e.logs.String(), "\n") {
		if !strings.Contains(line, "panic while handling request") {
			continue
		}
		panics++
		assert.Contains(t, line, "edge_test.go:", "the site names the panicking line")
		if strings.Contains(line, "goroutine ") {
			stacks++
		} else {
			assert.Less(t, len(line), 1024, "a repeat is one short line")
		}
	}
	assert.Equal(t, 20, panics)
	assert.Equal(t, 1, stacks, "the stack is logged once")
}

// TestDrainAnswersLongPollsAndRefusesAdHocCalls: after Drain a long-poll
// answers at once with what there is, and an ad hoc call is 503.
func TestDrainAnswersLongPollsAndRefusesAdHocCalls(t *testing.T) {
	t.Parallel()
	db := dbtest.SQLite(t)
	e := newDrainEnv(t, db)
	tk := e.register("drain@example.com", "drain-password")

	done := make(chan *resp, 1)
	go func() {
		done <- e.do("GET", "/api/events?topic=user&wait=25", nil, bearer(tk.AccessToken))
	}()
	require.Eventually(t, func() bool { return serverInFlight(e.srv) >= 1 }, 20*time.Second, 10*time.Millisecond)
	e.srv.Drain()
	select {
	case r := <-done:
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		assert.Empty(t, r.json(t)["items"])
	case <-time.After(15 * time.Second):
		t.Fatal("the long-poll waited on after Drain")
	}
	// After Drain, a long-poll answers at once, and with what there is.
	e.publishUser(t, tk)
	r := e.do("GET", "/api/events?topic=user&wait=25", nil, bearer(tk.AccessToken))
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	assert.Len(t, r.json(t)["items"], 1)

	r = e.do("POST", "/api/agents/comment", map[string]any{"title": "Indexes", "content": "Postgres indexes make queries fast."}, bearer(tk.AccessToken))
	p := requireProblem(t, r, http.StatusServiceUnavailable)
	assert.Equal(t, "1", r.header.Get("Retry-After"))
	assert.Contains(t, p["detail"], "shutting down")
	select {
	case <-e.srv.Draining():
	default:
		t.Fatal("Draining is not closed after Drain")
	}
	e.srv.Drain() // idempotent
}

// drainEnv is a test server with GET /api/events over the event log and
// the ad hoc agent calls with the offline writer.
type drainEnv struct {
	*testEnv
	log events.Log
}

func newDrainEnv(t *testing.T, db *bun.DB) *drainEnv {
	t.Helper()
	log := bunstore.NewEvents(db)
	llm, err := offline.New(offline.Config{})
	require.NoError(t, err)
	wr, err := writer.New(llm, writer.Config{})
	require.NoError(t, err)
	fetcher, err := web.NewFetcher(web.Config{})
	require.NoError(t, err)
	res, err := research.New(fetcher, nil, research.Config{})
	require.NoError(t, err)
	an, err := analyst.New(fetcher, analyst.Config{})
	require.NoError(t, err)
	e := newTestServer(t, db, func(s *testSetup) {
		s.deps.Agents = outreach.NewTools(res, an, wr, 20*time.Second)
		s.deps.Events = EventsDeps{Log: log, Rights: notify.NewTopicRights(nil, nil)}
	})
	return &drainEnv{testEnv: e, log: log}
}

// publishUser stores one event on the user's own topic.
func (e *drainEnv) publishUser(t *testing.T, tk tokens) {
	t.Helper()
	_, err := e.log.Append(context.Background(), events.Notification, map[string]string{"title": "hello"}, events.UserTopic(tk.User["id"].(string)))
	require.NoError(t, err)
}

// serverInFlight reads kpbot_http_requests_in_flight from the server's
// registry.
func serverInFlight(s *Server) float64 {
	mfs, err := s.Registry().Gather()
	if err != nil {
		return -1
	}
	for _, mf := range mfs {
		if mf.GetName() == "kpbot_http_requests_in_flight" && len(mf.GetMetric()) == 1 {
			return mf.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return -1
}

// TestClientGoneIsNoServerError: a call whose client goes away mid-way
// ends with 499 in the access log, not a 500 and an error report.
func TestClientGoneIsNoServerError(t *testing.T) {
	t.Parallel()
	returned := make(chan struct{})
	e := newTestServer(t, dbtest.SQLite(t), withRoutes(func(s *Server) {
		s.Router().GET("/test/wait", func(_ http.ResponseWriter, req bunrouter.Request) error {
			defer close(returned)
			<-req.Context().Done()
			return fmt.Errorf("wait: %w", req.Context().Err())
		})
	}))
	c, err := net.Dial("tcp", e.ts.Listener.Addr().String())
	require.NoError(t, err)
	_, err = io.WriteString(c, "GET /test/wait HTTP/1.1\r\nHost: x\r\n\r\n")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return serverInFlight(e.srv) >= 1 }, 20*time.Second, 10*time.Millisecond)
	require.NoError(t, c.Close())
	select {
	case <-returned:
	case <-time.After(20 * time.Second):
		t.Fatal("the handler never saw the client go")
	}
	require.Eventually(t, func() bool { return strings.Contains(e.logs.String(), `"route":"/test/wait","status":499`) }, 20*time.Second, 10*time.Millisecond)
	assert.NotContains(t, e.logs.String(), "request failed")
	assert.NotContains(t, e.logs.String(), `"status":500`)
}

// closedWaiter wakes every waiter at once, as a closed hub does.
type closedWaiter struct{}

func (closedWaiter) WaitAfter(string, int64) (<-chan struct{}, func()) {
	ch := make(chan struct{})
	close(ch)
	return ch, func() {}
}

// countingLog counts the reads of a topic.
type countingLog struct {
	events.Log
	reads atomic.Int64
}

func (l *countingLog) After(ctx context.Context, topic string, since int64, limit int) ([]events.Event, error) {
	l.reads.Add(1)
	return l.Log.After(ctx, topic, since, limit)
}

// TestLongPollDoesNotSpinOnAWaiterThatAlwaysWakes: a waiter that wakes at
// once with nothing new (a closed hub) makes the long-poll poll the log
// with backoff, not spin on it, and it still answers at its wait.
func TestLongPollDoesNotSpinOnAWaiterThatAlwaysWakes(t *testing.T) {
	t.Parallel()
	log := &countingLog{Log: bunstore.NewEvents(dbtest.SQLite(t))}
	evs, err := readEvents(context.Background(), log, closedWaiter{}, nil, "user:u1", 0, 10, 1500*time.Millisecond)
	require.NoError(t, err)
	assert.Empty(t, evs)
	assert.Less(t, log.reads.Load(), int64(30), "reads of the log during a 1.5 s wait")
	assert.Greater(t, log.reads.Load(), int64(2), "it kept looking")
}
