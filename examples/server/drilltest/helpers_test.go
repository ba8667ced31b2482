package drilltest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/examples/server/app"
)

// backendHeader names the response header the test proxy adds: the index
// of the instance that answered.
const backendHeader = "X-Drill-Backend"

// lockedBuffer collects an instance's logs from its goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// instance is one wired example server answering on a loopback port.
type instance struct {
	url  string
	logs *lockedBuffer
	stop func() error
}

// startInstances builds n servers from the same env at once (so their
// migrations race, as instances started together do) and serves each on
// its own loopback port; they stop when the test ends.
func startInstances(t *testing.T, n int, env map[string]string) []*instance {
	t.Helper()
	cfg, err := app.LoadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	out := make([]*instance, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { out[i], errs[i] = startInstance(cfg) })
	}
	wg.Wait()
	for i, in := range out {
		if in != nil {
			t.Cleanup(func() {
				if err := in.stop(); err != nil {
					t.Errorf("instance %d: stop: %v", i, err)
				}
			})
		}
	}
	require.NoError(t, errors.Join(errs...), "start %d instances", n)
	return out
}

func startInstance(cfg app.Config) (*instance, error) {
	logs := &lockedBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	a, cleanup, err := app.Build(ctx, cfg, logger)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("build: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		cleanup()
		return nil, fmt.Errorf("listen: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	var once sync.Once
	var stopErr error
	return &instance{url: "http://" + ln.Addr().String(), logs: logs, stop: func() error {
		once.Do(func() {
			cancel()
			stopErr = <-done
			cleanup()
		})
		return stopErr
	}}, nil
}

// roundRobin is the load balancer of the drills: each request, WebSocket
// upgrades included, goes to the next instance in turn. Like a real
// balancer it replaces X-Forwarded-For with the client's socket address,
// and it says which instance answered in the X-Drill-Backend header.
type roundRobin struct {
	next atomic.Uint64
	n    int
}

// newRoundRobin serves a round-robin proxy over the instances.
func newRoundRobin(t *testing.T, instances []*instance) *httptest.Server {
	t.Helper()
	targets := make([]*url.URL, len(instances))
	for i, in := range instances {
		u, err := url.Parse(in.url)
		require.NoError(t, err)
		targets[i] = u
	}
	rr := &roundRobin{n: len(targets)}
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			i := int((rr.next.Add(1) - 1) % uint64(rr.n))
			r.SetURL(targets[i])
			r.Out.Host = r.In.Host
			r.SetXForwarded() // X-Forwarded-For: the client's socket address only
			r.Out.Header.Set(backendHeader, strconv.Itoa(i))
		},
		ModifyResponse: func(resp *http.Response) error {
			resp.Header.Set(backendHeader, resp.Request.Header.Get(backendHeader))
			return nil
		},
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv
}

// randomLoopback returns an address in 127.0.0.0/8 other than 127.0.0.1
// (the proxy's), so each drill client is a client IP of its own, also in
// a Redis shared with other tests.
func randomLoopback(t *testing.T) string {
	t.Helper()
	var b [3]int64
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(254))
		require.NoError(t, err)
		b[i] = n.Int64() + 1
	}
	return fmt.Sprintf("127.%d.%d.%d", b[0], b[1], b[2])
}

// client talks to one base URL from a loopback source address of its own.
type client struct {
	base string
	ip   string
	http *http.Client
}

func newClient(t *testing.T, base string, timeout time.Duration) *client {
	t.Helper()
	ip := randomLoopback(t)
	dialer := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	tr := &http.Transport{DialContext: dialer.DialContext, MaxIdleConnsPerHost: 16}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{base: base, ip: ip, http: &http.Client{Transport: tr, Timeout: timeout}}
}

// reply is one answer: its status, which instance gave it (through the
// proxy; -1 otherwise), its JSON body and its headers.
type reply struct {
	status  int
	backend int
	body    map[string]any
	header  http.Header
}

// call sends a request with an optional bearer token and JSON body.
func (c *client) call(ctx context.Context, method, path, token string, body any) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return reply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	r := reply{status: resp.StatusCode, backend: -1, header: resp.Header}
	if b := resp.Header.Get(backendHeader); b != "" {
		r.backend, _ = strconv.Atoi(b)
	}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		_ = json.Unmarshal(raw, &r.body)
	}
	return r, nil
}

// must is call for the test goroutine: a transport error fails the test.
func (c *client) must(t *testing.T, method, path, token string, body any) reply {
	t.Helper()
	r, err := c.call(context.Background(), method, path, token, body)
	require.NoError(t, err, "%s %s", method, path)
	return r
}

// str reads a string field of a JSON body.
func str(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	s, ok := m[key].(string)
	require.True(t, ok, "field %q in %v", key, m)
	return s
}

// randomEmail is a fresh address for one drill account.
func randomEmail(t *testing.T, who string) string {
	t.Helper()
	return fmt.Sprintf("%s-%s@example.com", who, strings.ToLower(rand.Text()[:12]))
}
