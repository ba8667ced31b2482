// Package app wires the kpbot example server: configuration from flags and
// KPBOT_* variables, every adapter (with google/wire), and the HTTP server's
// lifecycle. It is the only package that knows every concrete type.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/kpbot/kpbot/agents/riverjob"
	"github.com/kpbot/kpbot/auth"
	"github.com/kpbot/kpbot/events"
	"github.com/kpbot/kpbot/transport/httpapi"
	"github.com/kpbot/kpbot/transport/realtime"
)

// App is the wired server.
type App struct {
	Config   Config
	Logger   *slog.Logger
	Database *Database
	Auth     *auth.Service
	Queue    *riverjob.Queue
	Events   *Events
	HTTP     *httpapi.Server
	Hub      *realtime.Hub
}

// NewApp assembles the App and bootstraps the admin account when
// KPBOT_ADMIN_EMAIL and KPBOT_ADMIN_PASSWORD are set.
func NewApp(ctx context.Context, cfg Config, logger *slog.Logger, db *Database, svc *auth.Service, q *riverjob.Queue, ev *Events, srv *httpapi.Server, hub *realtime.Hub) (*App, error) {
	if cfg.AdminEmail != "" {
		u, err := svc.EnsureAdmin(ctx, cfg.AdminEmail, cfg.AdminPassword)
		if err != nil {
			return nil, fmt.Errorf("bootstrap admin: %w", err)
		}
		logger.Info("admin account ready", "user_id", u.ID, "email", u.Email)
	}
	return &App{Config: cfg, Logger: logger, Database: db, Auth: svc, Queue: q, Events: ev, HTTP: srv, Hub: hub}, nil
}

// Serve starts the job queue and answers HTTP on ln until ctx ends, then
// drains in-flight requests and stops the queue, within
// Config.ShutdownTimeout: long-polls answer at once with what they have,
// ad hoc agent calls are cancelled with 503, WebSockets are closed with
// 1001, and short requests finish. It returns nil after a complete drain.
// Runs interrupted by the stop resume on the next start (or on another
// instance).
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	if err := a.Queue.Start(ctx); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	watchCtx, stopWatching := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWatching()
	retention := events.Retention{MaxAge: a.Config.EventMaxAge, KeepPerTopic: a.Config.EventKeep, Logger: a.Logger}
	go retention.Run(watchCtx, a.Events.Log)
	go func() {
		if err := a.Auth.WatchRevocations(watchCtx); err != nil {
			a.Logger.Error("session revocations: falling back to the cache TTL", "err", err)
		}
	}()
	srv := &http.Server{
		Handler:           a.HTTP,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       a.Config.ReadTimeout,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		// net/http's own answers to unparsable requests become problems.
		ConnContext: httpapi.ProblemConnContext,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(httpapi.ProblemListener(ln)) }()
	select {
	case err := <-errc:
		_ = a.Queue.StopAndCancel(context.WithoutCancel(ctx))
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	a.Logger.Info("shutting down: draining requests", "timeout", a.Config.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.Config.ShutdownTimeout)
	defer cancel()
	// Long-polls answer now with what they have and ad hoc agent calls end
	// with 503, so Shutdown waits only for short requests.
	a.HTTP.Drain()
	// Shutdown does not track upgraded connections: the hub says goodbye
	// (1001) to every socket itself, and clients resume elsewhere with since.
	if err := a.Hub.Close(sctx); err != nil {
		a.Logger.Error("close websocket hub", "err", err)
	}
	shutdownErr := srv.Shutdown(sctx)
	if err := a.Queue.StopAndCancel(sctx); err != nil {
		a.Logger.Error("stop job queue", "err", err)
	}
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
