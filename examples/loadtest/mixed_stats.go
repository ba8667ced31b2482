package main

import (
	"slices"
	"sync"
	"time"
)

// opStats are the answers one operation of the mixed scenario got.
type opStats struct {
	mu        sync.Mutex
	latencies []time.Duration
	ok        int            // the expected status
	refused   int            // an expected refusal (a run over the per-user limit: 429)
	other     map[int]int    // any other status below 500
	server    map[int]int    // 5xx
	transport map[string]int // no answer
}

func (s *opStats) add(took time.Duration, status int, expected bool, refusal bool, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latencies = append(s.latencies, took)
	switch {
	case err != nil:
		if s.transport == nil {
			s.transport = map[string]int{}
		}
		s.transport[err.Error()]++
	case expected:
		s.ok++
	case refusal:
		s.refused++
	case status >= 500:
		if s.server == nil {
			s.server = map[int]int{}
		}
		s.server[status]++
	default:
		if s.other == nil {
			s.other = map[int]int{}
		}
		s.other[status]++
	}
}

// opSummary is opStats for the report.
type opSummary struct {
	Op            string         `json:"op"`
	Requests      int            `json:"requests"`
	OK            int            `json:"ok"`
	Refused       int            `json:"refused"`
	Other         map[int]int    `json:"other,omitempty"`
	ServerErrors  map[int]int    `json:"server_errors,omitempty"`
	Transport     map[string]int `json:"transport_errors,omitempty"`
	P50, P99, Max time.Duration
}

func (s *opStats) summary(op string) opSummary {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := slices.Clone(s.latencies)
	slices.Sort(l)
	return opSummary{Op: op, Requests: len(l), OK: s.ok, Refused: s.refused, Other: copyCounts(s.other), ServerErrors: copyCounts(s.server),
		Transport: copyCounts(s.transport), P50: percentile(l, 50), P99: percentile(l, 99), Max: percentile(l, 100)}
}

func copyCounts[K comparable](m map[K]int) map[K]int {
	if len(m) == 0 {
		return nil
	}
	out := make(map[K]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// percentile is the nearest-rank percentile p (0..100] of sorted.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := (len(sorted)*p + 99) / 100 // ceil(n*p/100)
	return sorted[max(i-1, 0)]
}

// resourceSample is one reading of an instance's /metrics.
type resourceSample struct {
	At         time.Duration // since the load started
	RSS        float64       // bytes
	Goroutines float64
}

// slopePerMinute is the least-squares slope of y over the samples' time,
// in units of y per minute; 0 with fewer than two samples.
func slopePerMinute(samples []resourceSample, y func(resourceSample) float64) float64 {
	if len(samples) < 2 {
		return 0
	}
	var mx, my float64
	for _, s := range samples {
		mx += s.At.Minutes()
		my += y(s)
	}
	n := float64(len(samples))
	mx, my = mx/n, my/n
	var num, den float64
	for _, s := range samples {
		dx := s.At.Minutes() - mx
		num += dx * (y(s) - my)
		den += dx * dx
	}
	if den == 0 {
		return 0
	}
	return num / den
}
