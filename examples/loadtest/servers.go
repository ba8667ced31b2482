package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kpbot/kpbot/examples/server/app"
	"github.com/kpbot/kpbot/logbuf"
)

// bareBody is what the bare handler answers: a small constant JSON body.
var bareBody = []byte(`{"status":"ok"}` + "\n")

// bareHandler is the baseline: net/http with nothing in between.
func bareHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(bareBody)))
		_, _ = w.Write(bareBody)
	})
}

// startBare serves the bare handler on a loopback port with the same
// server timeouts as the kpbot server; stop shuts it down.
func startBare() (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("listen for the bare handler: %w", err)
	}
	srv := &http.Server{
		Handler:           bareHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// kpbotServer is the whole example server, wired by app.Build, answering
// on a loopback port.
type kpbotServer struct {
	baseURL string
	cancel  context.CancelFunc
	done    chan error
	cleanup func()
}

// serverEnv is the configuration of the server under test. The per-IP
// limit on register/login/refresh is off (KPBOT_AUTH_RATE_LIMIT=0) and the
// per-account failure limit is raised far out of reach, because every
// request comes from 127.0.0.1 for one account: with the product defaults
// the login scenarios would measure 429s, not logins. Logs below error
// level are off, and the logger discards everything anyway (see
// startKpbot). Options.ServerEnv overrides any of these.
func serverEnv(o Options, databaseURL string) (map[string]string, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("generate JWT secret: %w", err)
	}
	env := map[string]string{
		"KPBOT_ADDR":               "127.0.0.1:0",
		"KPBOT_DATABASE_URL":       databaseURL,
		"KPBOT_JWT_SECRET":         hex.EncodeToString(secret),
		"KPBOT_BCRYPT_COST":        strconv.Itoa(o.BcryptCost),
		"KPBOT_AUTH_RATE_LIMIT":    "0",
		"KPBOT_LOGIN_MAX_FAILURES": "1000000000",
		"KPBOT_LOG_LEVEL":          "error",
		"KPBOT_SHUTDOWN_TIMEOUT":   "10s",
	}
	for k, v := range o.ServerEnv {
		env[k] = v
	}
	return env, nil
}

// startKpbot builds the server with app.Build and serves it on a loopback
// port. With no DatabaseURL it uses a fresh SQLite file under tmpDir. The
// JSON log, access lines included, goes to tmpDir/kpbot.log through the
// asynchronous writer, as the example server writes its stdout.
func startKpbot(ctx context.Context, o Options, tmpDir string) (*kpbotServer, error) {
	dsn := o.DatabaseURL
	if dsn == "" {
		dsn = "file:" + filepath.Join(tmpDir, "kpbot.db")
	}
	env, err := serverEnv(o, dsn)
	if err != nil {
		return nil, err
	}
	cfg, err := app.LoadConfig(nil, func(k string) string { return env[k] })
	if err != nil {
		return nil, fmt.Errorf("server configuration: %w", err)
	}
	logFile, err := os.Create(filepath.Join(tmpDir, "kpbot.log"))
	if err != nil {
		return nil, fmt.Errorf("server log: %w", err)
	}
	logOut := logbuf.New(logFile, logbuf.Config{})
	logger := slog.New(slog.NewJSONHandler(logOut, nil))
	sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a, buildCleanup, err := app.Build(sctx, cfg, logger)
	cleanup := func() {
		if buildCleanup != nil {
			buildCleanup()
		}
		_ = logOut.Close(context.Background())
		_ = logFile.Close()
	}
	if err != nil {
		cancel()
		cleanup()
		return nil, fmt.Errorf("build the server: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		cleanup()
		return nil, fmt.Errorf("listen for the server: %w", err)
	}
	s := &kpbotServer{baseURL: "http://" + ln.Addr().String(), cancel: cancel, done: make(chan error, 1), cleanup: cleanup}
	go func() { s.done <- a.Serve(sctx, ln) }()
	return s, nil
}

// stop shuts the server down gracefully and closes the database.
func (s *kpbotServer) stop() error {
	s.cancel()
	err := <-s.done
	s.cleanup()
	if err != nil {
		return fmt.Errorf("stop the server: %w", err)
	}
	return nil
}

// account is the user the authenticated scenarios act as.
type account struct {
	email, password, accessToken string
}

// registerAccount creates a fresh user through POST /api/auth/register
// and keeps its access token.
func registerAccount(ctx context.Context, client *http.Client, baseURL string) (account, error) {
	suffix := make([]byte, 8)
	pw := make([]byte, 18)
	if _, err := rand.Read(suffix); err != nil {
		return account{}, fmt.Errorf("generate email: %w", err)
	}
	if _, err := rand.Read(pw); err != nil {
		return account{}, fmt.Errorf("generate password: %w", err)
	}
	acc := account{email: "loadtest-" + hex.EncodeToString(suffix) + "@example.com", password: hex.EncodeToString(pw)}
	body, err := json.Marshal(map[string]string{"email": acc.email, "password": acc.password})
	if err != nil {
		return account{}, fmt.Errorf("encode register body: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL+"/api/auth/register", bytes.NewReader(body))
	if err != nil {
		return account{}, fmt.Errorf("register request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return account{}, fmt.Errorf("register: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return account{}, fmt.Errorf("register: read response: %w", err)
	}
	if resp.StatusCode != http.StatusCreated {
		return account{}, fmt.Errorf("register: status %d: %s", resp.StatusCode, raw)
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return account{}, fmt.Errorf("register: decode response: %w", err)
	}
	if out.AccessToken == "" {
		return account{}, errors.New("register: no access token in the response")
	}
	acc.accessToken = out.AccessToken
	return acc, nil
}
