// Command server runs the whole kpbot product in one binary: on SQLite with
// the offline model when nothing is configured, on PostgreSQL (and Redis)
// when KPBOT_DATABASE_URL (and KPBOT_REDIS_URL) say so. See README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/kpbot/kpbot/examples/server/app"
	"github.com/kpbot/kpbot/logbuf"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// run starts the server and blocks until ctx ends; it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "healthcheck" {
		return healthcheck(ctx, args[1:], getenv, stderr)
	}
	if file, rest, ok := dumpTarget(args); ok {
		if err := dumpOpenAPI(ctx, file, rest, getenv, stdout); err != nil {
			fmt.Fprintf(stderr, "kpbot: %v\n", err)
			return 1
		}
		return 0
	}
	cfg, err := app.LoadConfig(args, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "kpbot: configuration: %v\n", err)
		return 2
	}
	// The log goes through a buffer written out every 100 ms, so a
	// request's access-log line costs no system call; it is flushed on
	// every return (deferred first, so it runs last).
	logOut := logbuf.New(stdout, logbuf.Config{})
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = logOut.Close(cctx)
	}()
	logger := slog.New(slog.NewJSONHandler(logOut, &slog.HandlerOptions{Level: logLevel(cfg.LogLevel)}))
	app.RouteRedisLogs(logger)
	a, cleanup, err := app.Build(ctx, cfg, logger)
	if err != nil {
		logger.Error("start", "err", err)
		return 1
	}
	defer cleanup()
	if err := logOut.Register(a.HTTP.Registry()); err != nil {
		logger.Error("start", "err", err)
		return 1
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		logger.Error("listen", "addr", cfg.Addr, "err", err)
		return 1
	}
	logger.Info("kpbot listening", "url", publicURL(ln.Addr()), "docs", publicURL(ln.Addr())+"/docs",
		"database", databaseKind(cfg))
	if err := a.Serve(ctx, ln); err != nil {
		logger.Error("server stopped", "err", err)
		return 1
	}
	logger.Info("kpbot stopped")
	return 0
}

func publicURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || tcp.IP.IsUnspecified() {
		port := 0
		if ok {
			port = tcp.Port
		}
		return fmt.Sprintf("http://localhost:%d", port)
	}
	return "http://" + tcp.String()
}

func databaseKind(cfg app.Config) string {
	if cfg.IsPostgres() {
		return "postgres"
	}
	return "sqlite"
}

func logLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(s))); err != nil {
		return slog.LevelInfo
	}
	return l
}
