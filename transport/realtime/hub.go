package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/uptrace/bunrouter"

	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
)

// TopicAuthorizer decides whether a caller may read a topic: nil for yes,
// an error wrapping notify.ErrTopicForbidden for no, any other error when
// it could not tell. notify.TopicRights is one, with the contract's rules.
type TopicAuthorizer interface {
	Authorize(ctx context.Context, p *auth.Principal, topic string) error
}

// Host is the HTTP server the hub mounts GET /api/ws on;
// *httpapi.Server is one (the example app mounts the hub through
// httpapi.Deps.Mounts, docs/architecture.md).
type Host interface {
	// Router is where the upgrade route goes, behind the server's
	// middleware.
	Router() *bunrouter.Router
	// API is the OpenAPI document the route and its messages join.
	API() huma.API
	// Registry receives the hub's metrics.
	Registry() interface {
		prometheus.Registerer
		prometheus.Gatherer
	}
	// AllowsOrigin reports whether a browser's Origin may connect.
	AllowsOrigin(r *http.Request) bool
	// Authenticate checks the request's bearer token; its error is the
	// problem to answer.
	Authenticate(r *http.Request) (*auth.Principal, error)
	// AuthenticateToken checks a token sent in an auth message; an error
	// with status 401 or 403 (huma.StatusError) means the token is no good.
	AuthenticateToken(ctx context.Context, token string) (*auth.Principal, error)
	// Problem is the error a plain handler returns to answer status with
	// detail in the server's problem shape.
	Problem(status int, detail string) error
}

// Defaults of HubConfig.
const (
	DefaultMaxMessageBytes    = 4096
	DefaultMaxTopicsPerSocket = 100
	DefaultMaxSocketsPerUser  = 20
	DefaultSendQueue          = 256
	DefaultAuthTimeout        = 5 * time.Second
	DefaultAuthCheckInterval  = 3 * time.Second
	DefaultPingInterval       = 25 * time.Second
	DefaultWriteTimeout       = 10 * time.Second
	DefaultReplayPage         = 200
	DefaultReaders            = 4
	DefaultCoalesce           = 5 * time.Millisecond
)

// HubConfig tunes the hub. Zero fields take the documented defaults.
type HubConfig struct {
	// MaxMessageBytes caps one client message; a larger one closes the
	// socket with 1009. Default DefaultMaxMessageBytes.
	MaxMessageBytes int64
	// MaxTopicsPerSocket caps the topics one socket follows; more are
	// refused with too_many_topics. Default DefaultMaxTopicsPerSocket.
	MaxTopicsPerSocket int
	// MaxSocketsPerUser caps one user's open sockets on this instance;
	// default DefaultMaxSocketsPerUser, negative for no limit.
	MaxSocketsPerUser int
	// SendQueue is how many messages may wait for one client. When a
	// topic's new events do not fit, the client catches up on the topic
	// from the Log at its own pace, then follows it live again; a client
	// that cannot take one write within WriteTimeout is closed with
	// CloseTooSlow. Default DefaultSendQueue.
	SendQueue int
	// AuthTimeout is how long a socket without an Authorization header
	// has to send its auth message. Default DefaultAuthTimeout.
	AuthTimeout time.Duration
	// AuthCheckInterval is how often every socket's token is checked again
	// (once per distinct token), so an expired token or a revoked session
	// closes its sockets with CloseUnauthorized. Default
	// DefaultAuthCheckInterval.
	AuthCheckInterval time.Duration
	// PingInterval is how often each socket is pinged; a ping unanswered
	// within WriteTimeout closes it. Default DefaultPingInterval.
	PingInterval time.Duration
	// WriteTimeout bounds one write of queued messages (a batch, at most
	// 32 KiB of them or one larger message) and one ping; a client that
	// misses it is closed with CloseTooSlow. Default DefaultWriteTimeout.
	WriteTimeout time.Duration
	// ReplayPage is how many stored events one Log.After read returns.
	// Default DefaultReplayPage (at most events.MaxAfter).
	ReplayPage int
	// Readers is how many topics the hub reads from the Log at once when
	// notices arrive. Default DefaultReaders.
	Readers int
	// Coalesce is how long a topic's new events wait, after the first of
	// them is announced, before the hub reads them: a burst then reaches
	// each socket in one write instead of one per event or two, which
	// at 10,000 sockets halves the burst's CPU. It adds at most that much
	// latency. Default DefaultCoalesce; negative for none.
	Coalesce time.Duration
	// Logger receives the hub's errors; default slog.Default().
	Logger *slog.Logger
}

func (c HubConfig) withDefaults() HubConfig {
	setDefault(&c.MaxMessageBytes, DefaultMaxMessageBytes)
	setDefault(&c.MaxTopicsPerSocket, DefaultMaxTopicsPerSocket)
	setDefault(&c.MaxSocketsPerUser, DefaultMaxSocketsPerUser)
	setDefault(&c.SendQueue, DefaultSendQueue)
	setDefault(&c.AuthTimeout, DefaultAuthTimeout)
	setDefault(&c.AuthCheckInterval, DefaultAuthCheckInterval)
	setDefault(&c.PingInterval, DefaultPingInterval)
	setDefault(&c.WriteTimeout, DefaultWriteTimeout)
	setDefault(&c.ReplayPage, DefaultReplayPage)
	setDefault(&c.Readers, DefaultReaders)
	setDefault(&c.Coalesce, DefaultCoalesce)
	c.Coalesce = max(c.Coalesce, 0)
	c.ReplayPage = min(c.ReplayPage, events.MaxAfter)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func setDefault[T int | int64 | time.Duration](v *T, d T) {
	if *v == 0 {
		*v = d
	}
}

// Validate reports a configuration the hub cannot run with.
func (c HubConfig) Validate() error {
	c = c.withDefaults()
	switch {
	case c.MaxMessageBytes < 64:
		return errors.New("hub config: MaxMessageBytes must be at least 64")
	case c.MaxTopicsPerSocket < 1, c.SendQueue < 2, c.ReplayPage < 1, c.Readers < 1:
		return errors.New("hub config: MaxTopicsPerSocket, ReplayPage and Readers must be positive, SendQueue at least 2")
	case c.AuthTimeout < 0, c.AuthCheckInterval < 0, c.PingInterval < 0, c.WriteTimeout < 0:
		return errors.New("hub config: durations must not be negative")
	}
	return nil
}

// HubDeps are the hub's collaborators.
type HubDeps struct {
	// Log is where events are read from (the truth).
	Log events.Log
	// Bus wakes the hub when a topic has a new event; one subscription
	// per hub serves every socket.
	Bus events.Bus
	// Authorize decides which topics a caller may follow.
	Authorize TopicAuthorizer
}

// Hub serves GET /api/ws: authenticated sockets following topics, fed
// from the event Log whenever the Bus announces a new event. See the
// package documentation for the protocol.
type Hub struct {
	cfg  HubConfig
	deps HubDeps
	log  *slog.Logger
	srv  Host
	m    hubMetrics

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // background loops
	conns  sync.WaitGroup // sockets

	mu       sync.Mutex
	work     *sync.Cond // workers wait on mu for dirty topics
	closed   bool
	started  bool
	clients  map[*client]struct{}
	perUser  map[string]int
	topics   map[string]*topicState
	dirty    map[*topicState]time.Time // when each dirty topic may be read
	inflight map[*topicState]struct{}
	wake     *time.Timer // wakes the readers when a coalesced topic is due
	wakeAt   time.Time   // when wake fires; zero when it is not armed
	waiters  map[string]map[*waiter]struct{}
}

// NewHub returns a hub; Mount mounts and starts it.
func NewHub(cfg HubConfig, deps HubDeps) (*Hub, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Log == nil || deps.Bus == nil || deps.Authorize == nil {
		return nil, errors.New("realtime hub: Log, Bus and Authorize are required")
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	h := &Hub{
		cfg: cfg, deps: deps, log: cfg.Logger, ctx: ctx, cancel: cancel,
		clients: map[*client]struct{}{}, perUser: map[string]int{}, topics: map[string]*topicState{},
		dirty: map[*topicState]time.Time{}, inflight: map[*topicState]struct{}{}, waiters: map[string]map[*waiter]struct{}{},
	}
	h.work = sync.NewCond(&h.mu)
	h.m = newHubMetrics(h.Connections)
	return h, nil
}

// Mount mounts GET /api/ws on s (authenticating with s, checking
// browser origins against s's CORS allowlist), registers the hub's
// metrics on s.Registry() and starts the hub's background loops: the Bus
// subscription, the Log readers, the session checks and the pings. Call
// it once, before serving; with httpapi, list the hub in
// httpapi.Deps.Mounts and the server's New calls it.
func (h *Hub) Mount(s Host) error {
	if s == nil {
		return errors.New("realtime hub: mount on a nil server")
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.started {
		return errors.New("realtime hub: already mounted")
	}
	if err := h.m.register(s.Registry()); err != nil {
		return err
	}
	h.srv = s
	h.started = true
	s.Router().GET("/api/ws", h.serveWS)
	documentWS(s.API())
	h.wg.Add(3 + h.cfg.Readers)
	go h.busLoop()
	for range h.cfg.Readers {
		go h.readerLoop()
	}
	go h.authLoop()
	go h.pingLoop()
	return nil
}

// Connections returns the number of open, authenticated sockets: the
// kpbot_ws_connections gauge, and what httpapi.Deps.WSConnections reports
// in GET /api/admin/analytics.
func (h *Hub) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.clients)
}

// Close refuses new sockets, closes every open one with 1001 (going away;
// clients reconnect elsewhere and resume with since), stops the
// background loops and waits for the sockets to finish until ctx ends.
// The HTTP server's Shutdown does not track upgraded connections, so call
// Close alongside it. Close is idempotent.
func (h *Hub) Close(ctx context.Context) error {
	h.mu.Lock()
	h.closed = true
	cs := make([]*client, 0, len(h.clients))
	for c := range h.clients {
		cs = append(cs, c)
	}
	if h.wake != nil {
		h.wake.Stop()
	}
	h.work.Broadcast()
	h.mu.Unlock()
	h.cancel()
	for _, c := range cs {
		c.close(1001, "server shutting down; reconnect and resume with since")
	}
	done := make(chan struct{})
	go func() {
		h.conns.Wait()
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("realtime hub: close: %w", ctx.Err())
	}
}

func (h *Hub) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// authenticate checks a token with the server's auth service.
func (h *Hub) authenticate(ctx context.Context, token string) (*auth.Principal, error) {
	return h.srv.AuthenticateToken(ctx, token)
}

// isAuthFailure reports whether an authenticate error means the token is
// no good (401/403), as opposed to the database failing for a moment.
func isAuthFailure(err error) bool {
	var se huma.StatusError
	if errors.As(err, &se) {
		return se.GetStatus() == http.StatusUnauthorized || se.GetStatus() == http.StatusForbidden
	}
	return false
}

// hubMetrics are the hub's Prometheus metrics.
type hubMetrics struct {
	open      prometheus.GaugeFunc
	slow      prometheus.Counter
	authEnded prometheus.Counter
	sent      prometheus.Counter
}

// newHubMetrics returns the metrics of a hub; the open-connections
// gauge reads connections (Hub.Connections) at each scrape, the one count
// GET /api/admin/analytics reports too.
func newHubMetrics(connections func() int) hubMetrics {
	return hubMetrics{
		open: prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kpbot_ws_connections", Help: "Open, authenticated WebSocket connections.",
		}, func() float64 { return float64(connections()) }),
		slow: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kpbot_ws_slow_clients_dropped_total", Help: "WebSocket clients closed (4008) because a write to them missed WriteTimeout.",
		}),
		authEnded: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kpbot_ws_auth_closed_total", Help: "WebSocket connections closed (4401) because their token expired or session was revoked.",
		}),
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "kpbot_ws_events_sent_total", Help: "Event messages queued to WebSocket clients.",
		}),
	}
}

func (m hubMetrics) register(r prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{m.open, m.slow, m.authEnded, m.sent} {
		if err := r.Register(c); err != nil {
			return fmt.Errorf("realtime hub: register metrics: %w", err)
		}
	}
	return nil
}
