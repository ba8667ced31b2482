package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/transport/httpapi/internal/jsonreq"
	"github.com/kpbot/kpbot/transport/ratelimit"
)

// testSetup is what a testOpt may change before the server is built.
type testSetup struct {
	cfg      Config
	authCfg  auth.Config
	deps     Deps
	register func(s *Server) // extra routes, registered before serving
	erase    bool            // enable account deletion (bunstore.Eraser)
}

type testOpt func(*testSetup)

func withConfig(fn func(*Config)) testOpt { return func(s *testSetup) { fn(&s.cfg) } }

func withAuthConfig(fn func(*auth.Config)) testOpt {
	return func(s *testSetup) { fn(&s.authCfg) }
}

func withReady(fn func(context.Context) error) testOpt {
	return func(s *testSetup) { s.deps.Ready = fn }
}

func withRoutes(fn func(*Server)) testOpt { return func(s *testSetup) { s.register = fn } }

// testEnv is a running server over real HTTP.
type testEnv struct {
	t     testing.TB
	srv   *Server
	ts    *httptest.Server
	svc   *auth.Service
	logs  *syncBuffer
	clock *authtest.Clock
	camps *campaign.Service     // the campaign service users call
	crew  *campaign.CrewService // the crew's side of it, for seeding prospects and drafts
}

// syncBuffer is a log sink safe for concurrent handlers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// newTestServer runs the real server over HTTP on db (migrated), behind a
// ProblemListener, with the real stores, JWT codec, bcrypt hasher (minimum
// cost) and memory rate limiter, all on one fake clock. The per-IP limit
// is high unless an option lowers it.
func newTestServer(t testing.TB, db *bun.DB, opts ...testOpt) *testEnv {
	t.Helper()
	clock := authtest.NewClock(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	logs := &syncBuffer{}
	setup := &testSetup{
		cfg:     Config{Logger: slog.New(slog.NewJSONHandler(logs, nil)), AuthRateLimit: 1000},
		authCfg: auth.Config{Now: clock.Now},
	}
	setup.deps.Limiter = ratelimit.NewMemory(ratelimit.WithClock(clock.Now))
	for _, o := range opts {
		o(setup)
	}
	codec, err := jwt.New(jwt.Config{HS256Key: bytes.Repeat([]byte("k"), 32), Now: clock.Now})
	require.NoError(t, err)
	hasher, err := password.New(password.Config{Cost: bcrypt.MinCost})
	require.NoError(t, err)
	stores := auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}
	if setup.erase {
		stores.Eraser = bunstore.NewEraser(db)
	}
	if setup.authCfg.Mailbox != nil {
		stores.AccountTokens = bunstore.NewAccountTokens(db)
		stores.EmailChanger = bunstore.NewUsers(db)
	}
	svc, err := auth.NewService(context.Background(), setup.authCfg, stores, codec, hasher, setup.deps.Limiter)
	require.NoError(t, err)
	setup.deps.Auth = svc
	if setup.deps.Campaigns == nil {
		setup.deps.Campaigns, err = campaign.NewService(campaign.Config{Now: clock.Now}, bunstore.NewCampaignStores(db))
		require.NoError(t, err)
	}
	crew, err := campaign.NewCrewService(campaign.CrewConfig{Now: clock.Now}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	srv, err := New(setup.cfg, setup.deps)
	require.NoError(t, err)
	if setup.register != nil {
		setup.register(srv)
	}
	// Served as the example server serves it: net/http's own error
	// answers become problems too.
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener = ProblemListener(ts.Listener)
	ts.Config.ConnContext = ProblemConnContext
	ts.Start()
	t.Cleanup(ts.Close)
	return &testEnv{t: t, srv: srv, ts: ts, svc: svc, logs: logs, clock: clock, camps: setup.deps.Campaigns, crew: crew}
}

// resp is a finished response with its body read.
type resp struct {
	status int
	header http.Header
	body   []byte
}

func (r *resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.body, &m), "body: %s", r.body)
	return m
}

// reqOpt changes an outgoing request.
type reqOpt func(*http.Request)

func bearer(tok string) reqOpt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) }
}

func header(k, v string) reqOpt { return func(r *http.Request) { r.Header.Set(k, v) } }

// do sends a request; body is JSON-encoded unless it is a string or []byte
// (sent as is, with Content-Type application/json unless a reqOpt sets one).
func (e *testEnv) do(method, path string, body any, opts ...reqOpt) *resp {
	e.t.Helper()
	req, err := jsonreq.New(method, e.ts.URL+path, body)
	require.NoError(e.t, err)
	for _, o := range opts {
		o(req)
	}
	res, err := e.ts.Client().Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return &resp{status: res.StatusCode, header: res.Header, body: raw}
}

// tokens is a register/login/refresh answer.
type tokens struct {
	User         map[string]any `json:"user"`
	AccessToken  string         `json:"access_token"`
	RefreshToken string         `json:"refresh_token"`
	TokenType    string         `json:"token_type"`
	ExpiresIn    int64          `json:"expires_in"`
}

func (e *testEnv) tokensOf(r *resp, want int) tokens {
	e.t.Helper()
	require.Equal(e.t, want, r.status, "body: %s", r.body)
	var tk tokens
	require.NoError(e.t, json.Unmarshal(r.body, &tk))
	return tk
}

func (e *testEnv) register(email, pw string) tokens {
	e.t.Helper()
	return e.tokensOf(e.do("POST", "/api/auth/register", map[string]string{"email": email, "password": pw, "name": "N"}), http.StatusCreated)
}

func (e *testEnv) login(email, pw string) tokens {
	e.t.Helper()
	return e.tokensOf(e.do("POST", "/api/auth/login", map[string]string{"email": email, "password": pw}), http.StatusOK)
}

// admin creates an admin account and logs it in.
func (e *testEnv) admin() tokens {
	e.t.Helper()
	_, err := e.svc.EnsureAdmin(context.Background(), "root@example.com", "admin-password-1")
	require.NoError(e.t, err)
	return e.login("root@example.com", "admin-password-1")
}

// requireProblem checks that r is an RFC 9457 problem with the status.
func requireProblem(t *testing.T, r *resp, status int) map[string]any {
	t.Helper()
	require.Equal(t, status, r.status, "body: %s", r.body)
	require.Equal(t, ProblemContentType, r.header.Get("Content-Type"))
	p := r.json(t)
	require.EqualValues(t, status, p["status"])
	require.NotEmpty(t, p["title"])
	require.NotEmpty(t, p["detail"])
	return p
}

// fieldLocations lists the locations of a problem's errors.
func fieldLocations(p map[string]any) []string {
	var out []string
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			loc, _ := m["location"].(string)
			out = append(out, loc)
		}
	}
	return out
}
