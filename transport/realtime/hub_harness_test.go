package realtime_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/authtest"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/notify"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/transport/eventbus"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/realtime"
)

// jwtKey is shared by every instance of a test, as instances of one
// deployment share their signing key.
var jwtKey = bytes.Repeat([]byte("w"), 32)

// instance is one kpbot server with its hub, over real HTTP.
type instance struct {
	t      testing.TB
	db     *bun.DB
	srv    *httpapi.Server
	ts     *httptest.Server
	hub    *realtime.Hub
	auth   *auth.Service
	camps  *campaign.Service
	log    events.Log
	pub    *events.Publisher
	notify *notify.Service
	reg    *prometheus.Registry
	clock  *authtest.Clock
}

type instanceOpts struct {
	hub      realtime.HubConfig
	cors     []string
	clock    *authtest.Clock
	bus      events.Bus
	runCheck func(ctx context.Context, p *auth.Principal, id string) error // replaces the run rights check
}

// runCheck adapts a rights check to notify.RunReader.
type runCheck func(ctx context.Context, p *auth.Principal, id string) error

func (f runCheck) Get(ctx context.Context, p *auth.Principal, id string) (*agents.Run, error) {
	if err := f(ctx, p, id); err != nil {
		return nil, err
	}
	return &agents.Run{ID: id}, nil
}

// The hub mounts on the HTTP adapter's server.
var _ realtime.Host = (*httpapi.Server)(nil)

type instOpt func(*instanceOpts)

func withHub(fn func(*realtime.HubConfig)) instOpt { return func(o *instanceOpts) { fn(&o.hub) } }
func withClock(c *authtest.Clock) instOpt          { return func(o *instanceOpts) { o.clock = c } }
func withBus(b events.Bus) instOpt                 { return func(o *instanceOpts) { o.bus = b } }
func withCORS(origins ...string) instOpt           { return func(o *instanceOpts) { o.cors = origins } }
func withRunCheck(c func(context.Context, *auth.Principal, string) error) instOpt {
	return func(o *instanceOpts) { o.runCheck = c }
}

// newInstance runs the real HTTP server, auth service, campaign service,
// notification service and hub on db, with quick test timings.
func newInstance(t testing.TB, db *bun.DB, opts ...instOpt) *instance {
	t.Helper()
	o := instanceOpts{hub: realtime.HubConfig{AuthTimeout: 500 * time.Millisecond, AuthCheckInterval: 200 * time.Millisecond}}
	for _, fn := range opts {
		fn(&o)
	}
	if o.clock == nil {
		o.clock = authtest.NewClock(time.Now().UTC())
	}
	if o.bus == nil {
		o.bus = eventbus.NewLocal()
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	o.hub.Logger = logger
	codec, err := jwt.New(jwt.Config{HS256Key: jwtKey, Now: o.clock.Now})
	require.NoError(t, err)
	hasher, err := password.New(password.Config{Cost: bcrypt.MinCost})
	require.NoError(t, err)
	authSvc, err := auth.NewService(context.Background(), auth.Config{Now: o.clock.Now}, auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, hasher, nil)
	require.NoError(t, err)
	camps, err := campaign.NewService(campaign.Config{}, bunstore.NewCampaignStores(db))
	require.NoError(t, err)
	reg := prometheus.NewRegistry()
	log := bunstore.NewEvents(db)
	pub, err := events.NewPublisher(log, o.bus)
	require.NoError(t, err)
	var runs notify.RunReader = outreach.NewRuns(camps, bunstore.NewRuns(db), nil)
	if o.runCheck != nil {
		runs = runCheck(o.runCheck)
	}
	rights := notify.NewTopicRights(camps, runs)
	hub, err := realtime.NewHub(o.hub, realtime.HubDeps{Log: log, Bus: o.bus, Authorize: rights})
	require.NoError(t, err)
	notes, err := notify.NewService(notify.Config{}, bunstore.NewNotifications(db), pub)
	require.NoError(t, err)
	srv, err := httpapi.New(httpapi.Config{Logger: logger, CORSOrigins: o.cors, AuthRateLimit: -1}, httpapi.Deps{
		Auth: authSvc, Metrics: reg, Campaigns: camps, Notifications: notes,
		Events:        httpapi.EventsDeps{Log: log, Rights: rights, Waiter: hub},
		WSConnections: hub.Connections,
		Mounts:        []httpapi.Mounter{httpapi.MountFunc(func(s *httpapi.Server) error { return hub.Mount(s) })},
	})
	require.NoError(t, err)

	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = hub.Close(ctx)
		ts.Close()
	})
	return &instance{t: t, db: db, srv: srv, ts: ts, hub: hub, auth: authSvc, camps: camps, log: log, pub: pub,
		notify: notes, reg: reg, clock: o.clock}
}

// user is a registered account with a live session.
type user struct {
	p      *auth.Principal
	token  string
	tokens auth.Tokens
}

func (in *instance) newUser(role auth.Role) *user {
	in.t.Helper()
	ctx := context.Background()
	email := "u" + uuid.NewString()[:8] + "@ws.example.test"
	res, err := in.auth.Register(ctx, auth.RegisterInput{Email: email, Password: "password-" + email}, auth.ClientInfo{})
	require.NoError(in.t, err)
	if role != auth.RoleUser {
		_, err := bunstore.NewUsers(in.db).UpdateUser(ctx, res.User.ID, func(u *auth.User) error { u.Role = role; return nil })
		require.NoError(in.t, err)
	}
	return in.login(res.Tokens)
}

func (in *instance) login(tk auth.Tokens) *user {
	in.t.Helper()
	p, err := in.auth.Authenticate(context.Background(), tk.AccessToken)
	require.NoError(in.t, err)
	return &user{p: p, token: tk.AccessToken, tokens: tk}
}

func (in *instance) newCampaign(u *user) string {
	in.t.Helper()
	c, err := in.camps.Create(context.Background(), u.p, campaign.CreateInput{Name: "ws " + uuid.NewString()[:6], Keywords: []string{"go"}})
	require.NoError(in.t, err)
	return c.ID
}

func (in *instance) newRun(u *user, campaignID string) string {
	in.t.Helper()
	r := &agents.Run{ID: uuid.Must(uuid.NewV7()).String(), CampaignID: campaignID, OwnerID: u.p.User.ID,
		Status: agents.RunQueued, CreatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	require.NoError(in.t, bunstore.NewRuns(in.db).Create(context.Background(), r))
	return r.ID
}

func (in *instance) publish(name string, data any, topics ...string) []events.Event {
	in.t.Helper()
	evs, err := in.pub.Publish(context.Background(), name, data, topics...)
	require.NoError(in.t, err)
	return evs
}

func (in *instance) wsURL() string { return "ws" + strings.TrimPrefix(in.ts.URL, "http") + "/api/ws" }

// dial opens a socket with the token in the Authorization header ("" for
// none).
func (in *instance) dial(token string) *websocket.Conn {
	in.t.Helper()
	c, res, err := in.tryDial(token, nil)
	require.NoError(in.t, err, "dial: %v", statusOf(res))
	return c
}

func (in *instance) tryDial(token string, header http.Header) (*websocket.Conn, *http.Response, error) {
	if header == nil {
		header = http.Header{}
	}
	if token != "" {
		header.Set("Authorization", "Bearer "+token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, res, err := websocket.Dial(ctx, in.wsURL(), &websocket.DialOptions{HTTPHeader: header})
	if err == nil {
		c.SetReadLimit(1 << 22)
		in.t.Cleanup(func() { _ = c.CloseNow() })
	}
	return c, res, err
}

func statusOf(res *http.Response) any {
	if res == nil {
		return nil
	}
	return res.StatusCode
}

// msg is any server message.
type msg struct {
	Type      string          `json:"type"`
	Topic     string          `json:"topic"`
	Seq       int64           `json:"seq"`
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	At        time.Time       `json:"at"`
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	UserID    string          `json:"user_id"`
	ExpiresAt time.Time       `json:"expires_at"`
}

func send(t testing.TB, c *websocket.Conn, v any) {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Write(ctx, websocket.MessageText, b))
}

func subscribe(t testing.TB, c *websocket.Conn, since *int64, topics ...string) {
	t.Helper()
	m := map[string]any{"type": "subscribe", "topics": topics}
	if since != nil {
		m["since"] = *since
	}
	send(t, c, m)
}

func ptr[T any](v T) *T { return &v }

// read returns the next message, failing after timeout.
func read(t testing.TB, c *websocket.Conn, timeout time.Duration) msg {
	t.Helper()
	m, err := tryRead(c, timeout)
	require.NoError(t, err)
	return m
}

func tryRead(c *websocket.Conn, timeout time.Duration) (msg, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, b, err := c.Read(ctx)
	if err != nil {
		return msg{}, err
	}
	var m msg
	if err := json.Unmarshal(b, &m); err != nil {
		return msg{}, err
	}
	return m, nil
}

// readType skips messages until one of type typ.
func readType(t testing.TB, c *websocket.Conn, typ string, timeout time.Duration) msg {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m := read(t, c, time.Until(deadline))
		if m.Type == typ {
			return m
		}
	}
}

// expectClose reads until the socket closes and returns how long that
// took and the close code.
func expectClose(t testing.TB, c *websocket.Conn, within time.Duration) (websocket.StatusCode, time.Duration) {
	t.Helper()
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		_, _, err := c.Read(ctx)
		if err != nil {
			require.False(t, errors.Is(err, context.DeadlineExceeded), "socket still open after %v", within)
			return websocket.CloseStatus(err), time.Since(start)
		}
	}
}
