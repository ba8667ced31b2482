// Package httpapitest is a test kit for programs that mount their own
// routes beside kpbot's: New starts the real router (transport/httpapi)
// over a real socket (httptest.NewServer) on a migrated SQLite database in
// the test's temporary directory, with the offline model behind the ad
// hoc agent routes, and hands out signed-in clients of each role. See
// docs/recipes.md ("Add an endpoint").
package httpapitest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/uptrace/bun"
	"golang.org/x/crypto/bcrypt"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/auth/jwt"
	"github.com/kpbot/kpbot/auth/password"
	"github.com/kpbot/kpbot/campaign"
	"github.com/kpbot/kpbot/campaign/outreach"
	"github.com/kpbot/kpbot/storage/bunstore"
	"github.com/kpbot/kpbot/storage/dbtest"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/httpapi/internal/jsonreq"
	"github.com/kpbot/kpbot/transport/ratelimit"
)

// Password is the password of every user the kit signs up.
const Password = "httpapitest-password"

// Options shape the server. The zero value serves kpbot's routes alone.
type Options struct {
	// Mount registers the caller's routes on the server before it serves:
	// huma operations on s.API() (with httpapi.BearerSecurity() for signed-in
	// callers), plain handlers on s.Router() behind s.RequireAuth, error
	// mappers with s.MapErrors.
	Mount func(s *httpapi.Server)
	// Config changes the server's configuration before it is built. The
	// kit raises the per-IP auth limit, so tests may sign in many users,
	// and discards the access log unless Config sets a Logger.
	Config func(c *httpapi.Config)
}

// Kit is a running kpbot API. Its fields are the real services behind
// the routes, for seeding data a test does not want to POST.
type Kit struct {
	// URL is the server's base URL, e.g. http://127.0.0.1:41234.
	URL string
	// Server is the router, as Mount saw it.
	Server *httpapi.Server
	// Auth is the accounts service.
	Auth *auth.Service
	// Campaigns is the campaign service.
	Campaigns *campaign.Service
	// DB is the SQLite database under the test's temporary directory.
	DB *bun.DB

	t    testing.TB
	http *http.Client
	mu   sync.Mutex
	n    int
}

// New starts the server for the test and stops it when the test ends.
func New(t testing.TB, o Options) *Kit {
	t.Helper()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	codec, err := jwt.New(jwt.Config{HS256Key: bytes.Repeat([]byte("k"), 32)})
	if err != nil {
		t.Fatalf("httpapitest: token codec: %v", err)
	}
	hasher, err := password.New(password.Config{Cost: bcrypt.MinCost})
	if err != nil {
		t.Fatalf("httpapitest: password hasher: %v", err)
	}
	limiter := ratelimit.NewMemory()
	svc, err := auth.NewService(ctx, auth.Config{},
		auth.Stores{Users: bunstore.NewUsers(db), Sessions: bunstore.NewSessions(db)}, codec, hasher, limiter)
	if err != nil {
		t.Fatalf("httpapitest: auth service: %v", err)
	}
	camps, err := campaign.NewService(campaign.Config{}, bunstore.NewCampaignStores(db))
	if err != nil {
		t.Fatalf("httpapitest: campaign service: %v", err)
	}
	tools, agentList, err := offlineTools(bunstore.NewCampaignStores(db))
	if err != nil {
		t.Fatalf("httpapitest: %v", err)
	}
	cfg := httpapi.Config{AuthRateLimit: 100_000, Logger: slog.New(slog.DiscardHandler)}
	if o.Config != nil {
		o.Config(&cfg)
	}
	deps := httpapi.Deps{Auth: svc, Limiter: limiter, Campaigns: camps, AgentList: agentList, Agents: tools}
	if o.Mount != nil {
		deps.Mounts = []httpapi.Mounter{httpapi.MountFunc(func(s *httpapi.Server) error { o.Mount(s); return nil })}
	}
	srv, err := httpapi.New(cfg, deps)
	if err != nil {
		t.Fatalf("httpapitest: server: %v", err)
	}
	// Served as the example server serves it: net/http's own error answers
	// are problems too.
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener = httpapi.ProblemListener(ts.Listener)
	ts.Config.ConnContext = httpapi.ProblemConnContext
	ts.Start()
	t.Cleanup(ts.Close)
	return &Kit{URL: ts.URL, Server: srv, Auth: svc, Campaigns: camps, DB: db, t: t, http: ts.Client()}
}

// offlineTools are the ad hoc agent tools over the offline model and a
// fetcher that may reach local test servers, and the crew's agents as
// GET /api/agents lists them.
func offlineTools(stores campaign.Stores) (*outreach.Tools, []agents.Agent, error) {
	crewSide, err := campaign.NewCrewService(campaign.CrewConfig{}, stores)
	if err != nil {
		return nil, nil, fmt.Errorf("crew campaign service: %w", err)
	}
	f, err := web.NewFetcher(web.Config{AllowPrivate: true})
	if err != nil {
		return nil, nil, fmt.Errorf("web fetcher: %w", err)
	}
	llm, err := offline.New(offline.Config{})
	if err != nil {
		return nil, nil, fmt.Errorf("offline model: %w", err)
	}
	m, err := crewtest.Outreach(f, llm, outreach.NewSink(crewSide))
	if err != nil {
		return nil, nil, err
	}
	crew, err := agents.OutreachCrew(m)
	if err != nil {
		return nil, nil, fmt.Errorf("crew: %w", err)
	}
	return outreach.NewTools(m.Researcher, m.Analyst, m.Writer, 0), crew.Agents(), nil
}

// Anonymous returns a client that sends no token.
func (k *Kit) Anonymous() *Client { return &Client{kit: k} }

// User signs up a new user of role (its e-mail <role>-<n>@example.test,
// its password Password) through the API and returns a client signed in
// as it. An admin is made with auth.Service.EnsureAdmin; a moderator is
// promoted by an admin through PATCH /api/admin/users/{id}.
func (k *Kit) User(role auth.Role) *Client {
	k.t.Helper()
	k.mu.Lock()
	k.n++
	email := fmt.Sprintf("%s-%d@example.test", role, k.n)
	k.mu.Unlock()
	anon := k.Anonymous()
	switch role {
	case auth.RoleAdmin:
		if _, err := k.Auth.EnsureAdmin(context.Background(), email, Password); err != nil {
			k.t.Fatalf("httpapitest: create admin: %v", err)
		}
		return k.signIn(anon.Do(http.MethodPost, "/api/auth/login", map[string]string{"email": email, "password": Password}), http.StatusOK)
	case auth.RoleUser, auth.RoleModerator:
		c := k.signIn(anon.Do(http.MethodPost, "/api/auth/register",
			map[string]string{"email": email, "password": Password, "name": string(role)}), http.StatusCreated)
		if role == auth.RoleUser {
			return c
		}
		r := k.User(auth.RoleAdmin).Do(http.MethodPatch, "/api/admin/users/"+c.UserID, map[string]string{"role": string(role)})
		r.Require(http.StatusOK)
		c.Role = role
		return c
	}
	k.t.Fatalf("httpapitest: unknown role %q", role)
	return nil
}

// signIn turns a register or login answer into a signed-in client.
func (k *Kit) signIn(r *Response, want int) *Client {
	k.t.Helper()
	r.Require(want)
	var tk struct {
		User struct {
			ID    string    `json:"id"`
			Email string    `json:"email"`
			Role  auth.Role `json:"role"`
		} `json:"user"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	r.JSON(&tk)
	return &Client{kit: k, UserID: tk.User.ID, Email: tk.User.Email, Role: tk.User.Role,
		AccessToken: tk.AccessToken, RefreshToken: tk.RefreshToken}
}

// Client calls the server, as a signed-in user when AccessToken is set.
type Client struct {
	kit *Kit
	// UserID, Email and Role are the signed-in user's.
	UserID, Email string
	Role          auth.Role
	// AccessToken is sent as the bearer token; RefreshToken renews it.
	AccessToken, RefreshToken string
}

// Do sends a request to path (e.g. "/api/campaigns") with body encoded as
// JSON unless it is nil, a string or a []byte (sent as they are), and
// returns the answer, its body read. A transport error fails the test.
func (c *Client) Do(method, path string, body any) *Response {
	t := c.kit.t
	t.Helper()
	req, err := jsonreq.New(method, c.kit.URL+path, body)
	if err != nil {
		t.Fatalf("httpapitest: %v", err)
	}
	if c.AccessToken != "" {
		req.Header.Set("Authorization", "Bearer "+c.AccessToken)
	}
	res, err := c.kit.http.Do(req)
	if err != nil {
		t.Fatalf("httpapitest: %s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("httpapitest: %s %s: read body: %v", method, path, err)
	}
	return &Response{t: t, what: method + " " + path, Status: res.StatusCode, Header: res.Header, Body: raw}
}

// Response is a finished answer.
type Response struct {
	t    testing.TB
	what string
	// Status is the HTTP status code.
	Status int
	// Header holds the answer's headers.
	Header http.Header
	// Body is the whole body.
	Body []byte
}

// Require fails the test unless the status is want.
func (r *Response) Require(want int) *Response {
	r.t.Helper()
	if r.Status != want {
		r.t.Fatalf("httpapitest: %s: status %d, want %d; body: %s", r.what, r.Status, want, r.Body)
	}
	return r
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r *Response) JSON(v any) {
	r.t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		r.t.Fatalf("httpapitest: %s: decode %s: %v", r.what, r.Body, err)
	}
}

// Problem decodes an RFC 9457 problem answer, failing the test unless the
// status is want and the body is a problem of that status.
func (r *Response) Problem(want int) map[string]any {
	r.t.Helper()
	r.Require(want)
	if ct := r.Header.Get("Content-Type"); ct != httpapi.ProblemContentType {
		r.t.Fatalf("httpapitest: %s: Content-Type %q, want %q", r.what, ct, httpapi.ProblemContentType)
	}
	var p map[string]any
	r.JSON(&p)
	if status, _ := p["status"].(float64); int(status) != want {
		r.t.Fatalf("httpapitest: %s: problem status %v, want %d", r.what, p["status"], want)
	}
	return p
}
