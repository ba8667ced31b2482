package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// Scenario names accepted by -scenarios, in the order they run.
const (
	scenarioBare        = "bare"
	scenarioHealthz     = "healthz"
	scenarioMe          = "me"
	scenarioLogin       = "login"
	scenarioLoginSerial = "login-serial"
	scenarioMeFlood     = "me-flood"
)

// allScenarios lists every scenario in run order.
var allScenarios = []string{
	scenarioBare, scenarioHealthz, scenarioMe, scenarioLogin, scenarioLoginSerial, scenarioMeFlood,
}

// Options configure one load-test run.
type Options struct {
	// Duration is how long each scenario sends requests.
	Duration time.Duration
	// Workers is the number of concurrent requests (and connections) of
	// every scenario; the throughput scenarios keep all of them busy.
	Workers int
	// Rate is the fixed request rate per second of /api/auth/me during the
	// login flood; 0 sends as fast as Workers allow.
	Rate int
	// BcryptCost is the server's bcrypt cost (the product default is 12).
	BcryptCost int
	// BcryptRuns is how many comparisons the in-process bcrypt measurement
	// takes the median of.
	BcryptRuns int
	// DatabaseURL is the server's database; empty means a fresh SQLite file
	// in a temporary directory.
	DatabaseURL string
	// Scenarios are the scenario names to run, a subset of allScenarios.
	Scenarios []string
	// ServerEnv overrides KPBOT_* settings of the server under test, e.g.
	// KPBOT_DB_MAX_IDLE_CONNS, to compare configurations.
	ServerEnv map[string]string
	// Timeout bounds every single request.
	Timeout time.Duration
	// JSON asks for machine-readable output.
	JSON bool
}

// defaultOptions returns the options of a run without flags.
func defaultOptions() Options {
	return Options{
		Duration:   10 * time.Second,
		Workers:    32,
		Rate:       200,
		BcryptCost: 12,
		BcryptRuns: 5,
		Scenarios:  append([]string(nil), allScenarios...),
		Timeout:    30 * time.Second,
	}
}

// parseOptions reads the flags in args (without the program name); it
// also returns the -cpuprofile path, which main handles.
func parseOptions(args []string, stderr io.Writer) (Options, string, error) {
	o := defaultOptions()
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	if stderr != nil {
		fs.SetOutput(stderr)
	}
	var scenarios, cpuprofile string
	fs.DurationVar(&o.Duration, "duration", o.Duration, "how long each scenario sends requests")
	fs.IntVar(&o.Workers, "workers", o.Workers, "concurrent requests and connections per scenario")
	fs.IntVar(&o.Workers, "connections", o.Workers, "alias of -workers")
	fs.IntVar(&o.Rate, "rate", o.Rate, "requests/s of /api/auth/me during the login flood (0: as fast as -workers allow)")
	fs.IntVar(&o.BcryptCost, "bcrypt-cost", o.BcryptCost, "server bcrypt cost (product default 12)")
	fs.IntVar(&o.BcryptRuns, "bcrypt-runs", o.BcryptRuns, "bcrypt comparisons measured in-process (median)")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "server database: file:/path.db or postgres://user@127.0.0.1/db (default: fresh SQLite in a temp dir)")
	fs.StringVar(&scenarios, "scenarios", strings.Join(allScenarios, ","), "comma-separated scenarios to run")
	fs.DurationVar(&o.Timeout, "timeout", o.Timeout, "per-request timeout")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fs.StringVar(&cpuprofile, "cpuprofile", "", "write a CPU profile of the whole process (client and server) to this file")
	if err := parseFlags(fs, args, &o.ServerEnv, "comma-separated KPBOT_NAME=value overrides for the server, e.g. KPBOT_DB_MAX_IDLE_CONNS=10"); err != nil {
		return Options{}, "", err
	}
	o.Scenarios = splitList(scenarios)
	return o, cpuprofile, o.Validate()
}

// Validate reports options a run cannot start with.
func (o Options) Validate() error {
	var errs []error
	if o.Duration <= 0 {
		errs = append(errs, errors.New("-duration must be positive"))
	}
	if o.Workers <= 0 {
		errs = append(errs, errors.New("-workers must be positive"))
	}
	if o.Rate < 0 {
		errs = append(errs, errors.New("-rate must not be negative"))
	}
	if o.BcryptRuns <= 0 {
		errs = append(errs, errors.New("-bcrypt-runs must be positive"))
	}
	if o.Timeout <= 0 {
		errs = append(errs, errors.New("-timeout must be positive"))
	}
	if len(o.Scenarios) == 0 {
		errs = append(errs, errors.New("-scenarios names none"))
	}
	for _, s := range o.Scenarios {
		if !knownScenario(s) {
			errs = append(errs, fmt.Errorf("unknown scenario %q (known: %s)", s, strings.Join(allScenarios, ",")))
		}
	}
	if err := checkLoopbackDatabase(o.DatabaseURL); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(append(errs, checkServerEnv(o.ServerEnv))...)
}

// runCommand runs one subcommand, name (e.g. "loadtest speed"): parse
// reads its flags from args, run runs it. It returns the exit code: 0 on
// success or -help, 2 for bad flags, 1 when the run fails; errors go to
// stderr after name.
func runCommand[O any](ctx context.Context, name string, args []string, stdout, stderr io.Writer,
	parse func([]string, io.Writer) (O, error), run func(context.Context, O, io.Writer) error,
) int {
	o, err := parse(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 2
	}
	if err := run(ctx, o, stdout); err != nil {
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return 1
	}
	return 0
}

// parseFlags adds -server-env (with usage) to fs, parses args into fs,
// refuses positional arguments, and stores the -server-env overrides in
// env.
func parseFlags(fs *flag.FlagSet, args []string, env *map[string]string, usage string) error {
	serverEnv := fs.String("server-env", "", usage)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	m, err := parseServerEnv(*serverEnv)
	if err != nil {
		return err
	}
	*env = m
	return nil
}

// parseServerEnv reads "KPBOT_A=1,KPBOT_B=2".
func parseServerEnv(s string) (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range splitList(s) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("-server-env: %q is not NAME=value", kv)
		}
		env[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return env, nil
}

// checkServerEnv reports every key of env that checkServerEnvKey refuses,
// joined; nil when all are allowed.
func checkServerEnv(env map[string]string) error {
	var errs []error
	for k := range env {
		if err := checkServerEnvKey(k); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// checkServerEnvKey allows KPBOT_* settings except the addresses, which
// the load test chooses itself so that everything stays on loopback.
func checkServerEnvKey(k string) error {
	switch {
	case !strings.HasPrefix(k, "KPBOT_"):
		return fmt.Errorf("-server-env: %q is not a KPBOT_* variable", k)
	case k == "KPBOT_ADDR" || strings.HasSuffix(k, "_URL"):
		return fmt.Errorf("-server-env: %s is chosen by the load test (use -database-url for the database)", k)
	}
	return nil
}

// wants reports whether the run includes scenario name.
func (o Options) wants(name string) bool {
	for _, s := range o.Scenarios {
		if s == name {
			return true
		}
	}
	return false
}

func knownScenario(name string) bool {
	for _, s := range allScenarios {
		if s == name {
			return true
		}
	}
	return false
}

// isPostgres reports whether dsn names PostgreSQL.
func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// checkLoopbackDatabase refuses a PostgreSQL URL whose host is not a
// loopback address: the load test only ever talks to this machine.
func checkLoopbackDatabase(dsn string) error {
	if !isPostgres(dsn) {
		return nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("-database-url: %w", err)
	}
	if !isLoopbackHost(u.Hostname()) {
		return fmt.Errorf("-database-url: host %q is not a loopback address; the load test only uses this machine", u.Hostname())
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
