// Command loadtest measures the kpbot server against a bare net/http
// handler, in one process on loopback ports, with vegeta as the load
// generator: requests/s, p50, p99 and errors for the bare handler,
// GET /healthz, GET /api/auth/me, POST /api/auth/login, and /api/auth/me
// while a login flood runs, checked against the targets of issue 2.
//
//	go run ./examples/loadtest -duration 10s
//
// "loadtest ws" measures the WebSocket hub, and "loadtest mixed" is the
// soak: every kind of request and WebSocket clients for -duration against
// several instances on PostgreSQL, and "loadtest speed" runs one campaign
// over many local blogs with a fake model and sets its research and
// drafting times against the politeness and model bounds (see README.md,
// Benchmarks).
//
// It exits 0 whatever the numbers are (missed targets say FAIL in the
// output), 1 when it cannot set up or run, and 2 on bad flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(mainCode(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// mainCode runs the command and returns its exit code.
func mainCode(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "ws" || args[0] == "ws-server") {
		return wsMain(ctx, args, stdout, stderr) // the WebSocket scenario (ws_run.go)
	}
	if len(args) > 0 && (args[0] == "mixed" || args[0] == "mixed-server") {
		return mixedMain(ctx, args, stdout, stderr) // the soak (mixed.go)
	}
	if len(args) > 0 && args[0] == "speed" {
		return speedMain(ctx, args, stdout, stderr) // issue 12's campaign through the server (speed.go)
	}
	o, cpuprofile, err := parseOptions(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 2
	}
	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		if err != nil {
			fmt.Fprintf(stderr, "loadtest: cpu profile: %v\n", err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "loadtest: cpu profile: %v\n", err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if _, err := run(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "loadtest: %v\n", err)
		return 1
	}
	return 0
}
