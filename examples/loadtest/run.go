package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// floodWarmup is how long the login flood runs before /api/auth/me starts
// being measured, so every flood worker is already queued.
func floodWarmup(d time.Duration) time.Duration {
	return min(d/5, 500*time.Millisecond)
}

// run starts the bare handler and the kpbot server on loopback ports,
// drives every scenario o names, writes the report to out (a table, or
// JSON with o.JSON) and returns it. Missed targets are not errors; only a
// failure to set up or to write is.
func run(ctx context.Context, o Options, out io.Writer) (Report, error) {
	if err := o.Validate(); err != nil {
		return Report{}, err
	}
	rep := Report{Machine: currentMachine(), Settings: settingsOf(o)}
	progress := func(format string, args ...any) {
		if !o.JSON {
			fmt.Fprintf(out, format+"\n", args...)
		}
	}

	tmpDir, err := os.MkdirTemp("", "kpbot-loadtest-*")
	if err != nil {
		return Report{}, fmt.Errorf("temp dir: %w", err)
	}
	defer os.RemoveAll(tmpDir)

	var bareURL string
	if o.wants(scenarioBare) {
		u, stop, err := startBare()
		if err != nil {
			return Report{}, err
		}
		defer stop()
		bareURL = u
	}
	var srv *kpbotServer
	var acc account
	if needsServer(o) {
		srv, err = startKpbot(ctx, o, tmpDir)
		if err != nil {
			return Report{}, err
		}
		defer func() { _ = srv.stop() }()
		client := &http.Client{Timeout: o.Timeout, Transport: &http.Transport{Proxy: nil}} // loopback, never a proxy
		acc, err = registerAccount(ctx, client, srv.baseURL)
		if err != nil {
			return Report{}, err
		}
	}
	if o.wants(scenarioLogin) || o.wants(scenarioLoginSerial) {
		progress("measuring bcrypt at cost %d (%d comparisons)...", o.BcryptCost, o.BcryptRuns)
		p, err := measureBcrypt(o.BcryptCost, o.BcryptRuns)
		if err != nil {
			return Report{}, err
		}
		rep.Bcrypt = &p
	}

	spec := func(name string, t vegeta.Target, workers, rate int, d time.Duration) attackSpec {
		return attackSpec{name: name, target: t, workers: workers, rate: rate, duration: d, timeout: o.Timeout}
	}
	for _, name := range allScenarios {
		if !o.wants(name) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return Report{}, fmt.Errorf("interrupted before %s: %w", name, err)
		}
		progress("running %s for %s...", name, o.Duration)
		runtime.GC() // start every scenario from a collected heap
		cpu0 := processCPU()
		switch name {
		case scenarioBare:
			rep.Results = append(rep.Results, runAttack(ctx, name, spec("bare net/http", getTarget(bareURL+"/", ""), o.Workers, 0, o.Duration)))
		case scenarioHealthz:
			rep.Results = append(rep.Results, runAttack(ctx, name, spec("GET /healthz", getTarget(srv.baseURL+"/healthz", ""), o.Workers, 0, o.Duration)))
		case scenarioMe:
			rep.Results = append(rep.Results, runAttack(ctx, name, spec("GET /api/auth/me", getTarget(srv.baseURL+"/api/auth/me", acc.accessToken), o.Workers, 0, o.Duration)))
		case scenarioLogin:
			rep.Results = append(rep.Results, runAttack(ctx, name, spec("POST /api/auth/login", loginTarget(srv.baseURL, acc), o.Workers, 0, o.Duration)))
		case scenarioLoginSerial:
			rep.Results = append(rep.Results, runAttack(ctx, name, spec("POST /api/auth/login, 1 worker", loginTarget(srv.baseURL, acc), 1, 0, o.Duration)))
		case scenarioMeFlood:
			warm := floodWarmup(o.Duration)
			flood := spec("login flood (concurrent)", loginTarget(srv.baseURL, acc), o.Workers, 0, o.Duration+warm)
			me := spec("GET /api/auth/me during flood", getTarget(srv.baseURL+"/api/auth/me", acc.accessToken), o.Workers, o.Rate, o.Duration)
			rep.Results = append(rep.Results, runConcurrently(ctx, name, warm, me, flood)...)
		}
		if last := &rep.Results[len(rep.Results)-1]; last.Scenario != scenarioMeFlood && last.Requests > 0 {
			if cpu := processCPU() - cpu0; cpu > 0 {
				last.CPUPerRequest = cpu / time.Duration(last.Requests)
			}
		}
	}
	rep.Machine.LoadAvgEnd = loadAverage()
	rep.Targets = evaluateTargets(rep)

	if o.JSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return rep, fmt.Errorf("write report: %w", err)
		}
		return rep, nil
	}
	if err := rep.WriteText(out); err != nil {
		return rep, fmt.Errorf("write report: %w", err)
	}
	return rep, nil
}

// runConcurrently starts background at once and measured after warm, and
// returns measured's result then background's.
func runConcurrently(ctx context.Context, scenario string, warm time.Duration, measured, background attackSpec) []Result {
	var wg sync.WaitGroup
	var bg Result
	wg.Add(1)
	go func() {
		defer wg.Done()
		bg = runAttack(ctx, scenario, background)
	}()
	select {
	case <-time.After(warm):
	case <-ctx.Done():
	}
	fg := runAttack(ctx, scenario, measured)
	wg.Wait()
	return []Result{fg, bg}
}

func needsServer(o Options) bool {
	for _, s := range o.Scenarios {
		if s != scenarioBare {
			return true
		}
	}
	return false
}

// getTarget is a GET, with a bearer token when token is not empty.
func getTarget(u, token string) vegeta.Target {
	t := vegeta.Target{Method: http.MethodGet, URL: u, Header: http.Header{}}
	if token != "" {
		t.Header.Set("Authorization", "Bearer "+token)
	}
	return t
}

// loginTarget logs acc in with its correct password.
func loginTarget(baseURL string, acc account) vegeta.Target {
	body, _ := json.Marshal(map[string]string{"email": acc.email, "password": acc.password}) // strings always encode
	return vegeta.Target{
		Method: http.MethodPost,
		URL:    baseURL + "/api/auth/login",
		Body:   body,
		Header: http.Header{"Content-Type": []string{"application/json"}},
	}
}
