package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// WriteText writes the mixed report as Markdown: the settings, one row
// per operation, the WebSocket clients' counts, and each instance's RSS
// and goroutines with their least-squares slope after the warm-up.
func (r mixedReport) WriteText(w io.Writer) error {
	var b strings.Builder
	o := r.Options
	backend := "PostgreSQL"
	if o.RedisURL != "" {
		backend += " + Redis"
	}
	fmt.Fprintf(&b, "\n### mixed: %d instances on %s, %v\n\n", o.Instances, backend, r.Took.Round(time.Second))
	fmt.Fprintf(&b, "%d users at %.0f requests/s in all (%.1f/s reached), %d WebSocket clients moving to the next instance every %v (±50%%), bcrypt cost %d, load average at the end %s\n\n",
		o.Users, o.Rate, float64(sumRequests(r.Ops))/max(r.Took.Seconds(), 1e-9), o.Sockets, o.Reconnect, o.BcryptCost, loadAverage())
	rows := [][]string{{"operation", "requests", "ok", "refused", "other 4xx", "5xx", "no answer", "p50", "p99", "max"}}
	var all opSummary
	for _, s := range r.Ops {
		rows = append(rows, []string{s.Op, strconv.Itoa(s.Requests), strconv.Itoa(s.OK), strconv.Itoa(s.Refused),
			countsText(s.Other), countsText(s.ServerErrors), strconv.Itoa(sum(s.Transport)), ms(s.P50), ms(s.P99), ms(s.Max)})
		all.Requests += s.Requests
		all.OK += s.OK
		all.Refused += s.Refused
	}
	rows = append(rows, []string{"all", strconv.Itoa(all.Requests), strconv.Itoa(all.OK), strconv.Itoa(all.Refused), "",
		strconv.Itoa(r.Server5xx), strconv.Itoa(r.NoAnswer), ms(r.All.P50), ms(r.All.P99), ms(r.All.Max)})
	writeTable(&b, rows, []bool{false, true, true, true, true, true, true, true, true, true})
	fmt.Fprintf(&b, "\n'refused' is a run over the per-user limit (429), as expected. 5xx: %d — %s\n", r.Server5xx, passFail(r.Server5xx == 0))
	ws := r.WS
	fmt.Fprintf(&b, "WebSocket: %d events received, %d reconnects (each to the next instance, resuming with since), %d gaps, %d duplicates, %d failed dials, unexpected closes %v — %s\n\n",
		ws.Events, ws.Reconnects, ws.Gaps, ws.Duplicates, ws.DialErrors, countsText(ws.UnexpectedCloses), passFail(ws.Gaps == 0 && ws.Duplicates == 0))

	rows = [][]string{{"instance", "samples", "RSS first -> last", "RSS slope", "goroutines first -> last", "goroutines slope", "error log lines", "exit"}}
	for i, in := range r.Instances {
		first, last := resourceSample{}, resourceSample{}
		if n := len(in.Samples); n > 0 {
			first, last = in.Samples[0], in.Samples[n-1]
		}
		rows = append(rows, []string{strconv.Itoa(i), strconv.Itoa(len(in.Samples)),
			fmt.Sprintf("%.1f -> %.1f MiB", first.RSS/(1<<20), last.RSS/(1<<20)),
			fmt.Sprintf("%+.2f MiB/min", in.RSSSlope/(1<<20)),
			fmt.Sprintf("%.0f -> %.0f", first.Goroutines, last.Goroutines),
			fmt.Sprintf("%+.2f /min", in.GoroutineSlope),
			strconv.Itoa(in.ErrorLogLines), in.Exit})
	}
	writeTable(&b, rows, []bool{false, true, true, true, true, true, true, false})
	fmt.Fprintf(&b, "\nSlopes are least-squares fits over the samples after the first %v (warm-up), every %v.\n", r.WarmupSkip, o.Sample)
	for i, in := range r.Instances {
		for _, l := range in.FirstErrorLines {
			fmt.Fprintf(&b, "instance %d error: %s\n", i, l)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// countsText prints counts by key compactly ("3×500 1×502"), or "0".
func countsText[K comparable, V int | int64](m map[K]V) string {
	if len(m) == 0 {
		return "0"
	}
	keys := slices.Collect(maps.Keys(m))
	slices.SortFunc(keys, func(a, b K) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%v×%v", m[k], k))
	}
	return strings.Join(parts, " ")
}

func sumRequests(ops []opSummary) int {
	n := 0
	for _, s := range ops {
		n += s.Requests
	}
	return n
}

func sum[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
