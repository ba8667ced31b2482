package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/kpbot/kpbot/examples/server/app"
)

// mixedHello is the first line a mixed-server process prints.
type mixedHello struct {
	URL string `json:"url"`
	PID int    `json:"pid"`
}

// mixedServe is one instance of the mixed scenario, in a process of its
// own so its memory and goroutines are its own: the whole example server
// (app.Build) configured by the KPBOT_* variables its parent set, on a
// loopback port. It prints a mixedHello line, logs warnings and errors
// to stderr, and drains and exits when its standard input closes.
func mixedServe(ctx context.Context, in io.Reader, out, stderr io.Writer) error {
	cfg, err := app.LoadConfig(nil, os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a, cleanup, err := app.Build(sctx, cfg, logger)
	if err != nil {
		return fmt.Errorf("build the server: %w", err)
	}
	defer cleanup()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	hello, err := json.Marshal(mixedHello{URL: "http://" + ln.Addr().String(), PID: os.Getpid()})
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "%s\n", hello); err != nil {
		return err
	}
	go func() {
		_, _ = io.Copy(io.Discard, in)
		cancel()
	}()
	return a.Serve(sctx, ln)
}

// mixedInstance is a mixed-server child process.
type mixedInstance struct {
	cmd     *exec.Cmd
	stdin   io.WriteCloser
	hello   mixedHello
	logPath string
	waited  chan error
}

// startMixedInstance re-executes this program as "mixed-server" with env
// (KPBOT_* settings) added to the environment, its stderr going to
// logPath.
func startMixedInstance(ctx context.Context, env map[string]string, logPath string) (*mixedInstance, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child keeps its own descriptor
	cmd := exec.CommandContext(ctx, exe, "mixed-server")
	cmd.WaitDelay = 30 * time.Second
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KPBOT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stderr = logFile
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start an instance: %w", err)
	}
	p := &mixedInstance{cmd: cmd, stdin: stdin, logPath: logPath, waited: make(chan error, 1)}
	line, err := bufio.NewReader(stdout).ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &p.hello)
	}
	go func() {
		_, _ = io.Copy(io.Discard, stdout)
		p.waited <- cmd.Wait()
	}()
	if err != nil {
		_ = stdin.Close()
		_ = <-p.waited // the hello error and the log say what went wrong
		logs, _ := os.ReadFile(logPath)
		return nil, fmt.Errorf("instance hello: %w; its log: %s", err, logs)
	}
	return p, nil
}

// stop closes the instance's standard input (it drains and exits) and
// waits for it; the error says how it exited.
func (p *mixedInstance) stop() error {
	_ = p.stdin.Close()
	return <-p.waited
}

// errorLines counts the lines of the instance's log at level ERROR and
// returns the first few.
func (p *mixedInstance) errorLines() (int, []string) {
	raw, err := os.ReadFile(p.logPath)
	if err != nil {
		return 0, nil
	}
	n := 0
	var first []string
	for line := range strings.SplitSeq(string(raw), "\n") {
		if strings.Contains(line, `"level":"ERROR"`) {
			n++
			if len(first) < 3 {
				first = append(first, line)
			}
		}
	}
	return n, first
}
