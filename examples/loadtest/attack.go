package main

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// maxErrorSamples bounds the distinct error messages a Result keeps.
const maxErrorSamples = 5

// attackSpec is one vegeta attack: a single target hit by up to workers
// concurrent requests, as fast as they go (rate 0) or at a fixed rate.
type attackSpec struct {
	name     string
	target   vegeta.Target
	workers  int
	rate     int // requests per second; 0 means as fast as the workers go
	duration time.Duration
	timeout  time.Duration
}

// Result is the measurement of one attack.
type Result struct {
	Scenario string `json:"scenario"`
	// Name labels the row: the scenario, or for the flood scenario which of
	// its two concurrent attacks.
	Name    string `json:"name"`
	Workers int    `json:"workers"`
	// Rate is the requested rate per second; 0 means as fast as possible.
	Rate     int    `json:"rate"`
	Requests uint64 `json:"requests"`
	// RPS counts the responses completed within the attack's duration,
	// per second of that duration.
	RPS float64 `json:"rps"`
	// P50 and P99 are latency quantiles over every request.
	P50  time.Duration `json:"p50_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
	Mean time.Duration `json:"mean_ns"`
	// CPUPerRequest is the CPU time the whole process (load generator and
	// server) spent per request, unaffected by other processes' load; 0
	// for attacks that ran alongside another one, or where unknown.
	CPUPerRequest time.Duration `json:"cpu_per_request_ns"`
	// Errors counts transport errors and non-2xx answers.
	Errors      uint64         `json:"errors"`
	StatusCodes map[string]int `json:"status_codes"`
	// ErrorSamples holds up to five distinct error messages.
	ErrorSamples []string `json:"error_samples,omitempty"`
}

// newAttacker returns a vegeta attacker bound to spec's concurrency: at
// most spec.workers requests in flight, over at most as many keep-alive
// connections, never through a proxy, from 127.0.0.1.
func newAttacker(spec attackSpec) *vegeta.Attacker {
	initial := spec.workers
	if spec.rate > 0 && initial > vegeta.DefaultWorkers {
		initial = vegeta.DefaultWorkers // a paced attack adds workers when it falls behind
	}
	return vegeta.NewAttacker(
		vegeta.Workers(uint64(initial)),
		vegeta.MaxWorkers(uint64(spec.workers)),
		vegeta.Connections(spec.workers),
		vegeta.MaxConnections(spec.workers),
		vegeta.Timeout(spec.timeout),
		vegeta.KeepAlive(true),
		vegeta.HTTP2(false),
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.LocalAddr(net.IPAddr{IP: net.IPv4(127, 0, 0, 1)}),
		vegeta.Proxy(func(*http.Request) (*url.URL, error) { return nil, nil }),
	)
}

// runAttack drives spec to its end (or until ctx ends) and summarizes it.
func runAttack(ctx context.Context, scenario string, spec attackSpec) Result {
	atk := newAttacker(spec)
	pacer := vegeta.ConstantPacer{} // zero value: no pacing, every worker always busy
	if spec.rate > 0 {
		pacer = vegeta.ConstantPacer{Freq: spec.rate, Per: time.Second}
	}
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-stopped:
		}
	}()

	var m vegeta.Metrics
	res := Result{Scenario: scenario, Name: spec.name, Workers: spec.workers, Rate: spec.rate}
	seen := map[string]bool{}
	var inWindow uint64
	windowEnd := time.Now().Add(spec.duration)
	for r := range atk.Attack(vegeta.NewStaticTargeter(spec.target), pacer, spec.duration, spec.name) {
		m.Add(r)
		if !r.End().After(windowEnd) {
			inWindow++
		}
		if r.Error != "" || r.Code < 200 || r.Code > 299 {
			res.Errors++
			msg := r.Error
			if msg == "" {
				msg = "status " + strconv.Itoa(int(r.Code))
			}
			if !seen[msg] && len(res.ErrorSamples) < maxErrorSamples {
				seen[msg] = true
				res.ErrorSamples = append(res.ErrorSamples, msg)
			}
		}
	}
	m.Close()
	res.Requests = m.Requests
	res.RPS = float64(inWindow) / spec.duration.Seconds()
	res.P50, res.P99, res.Max, res.Mean = m.Latencies.P50, m.Latencies.P99, m.Latencies.Max, m.Latencies.Mean
	res.StatusCodes = m.StatusCodes
	sort.Strings(res.ErrorSamples)
	return res
}
