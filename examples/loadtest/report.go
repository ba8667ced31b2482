package main

import (
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Report is everything one run measured.
type Report struct {
	Machine  machineInfo   `json:"machine"`
	Settings settings      `json:"settings"`
	Bcrypt   *bcryptProbe  `json:"bcrypt,omitempty"`
	Results  []Result      `json:"results"`
	Targets  []targetCheck `json:"targets"`
}

// machineInfo describes where the run happened.
type machineInfo struct {
	GoVersion    string `json:"go_version"`
	OS           string `json:"os"`
	Arch         string `json:"arch"`
	NumCPU       int    `json:"num_cpu"`
	GOMAXPROCS   int    `json:"gomaxprocs"`
	LoadAvgStart string `json:"load_avg_start,omitempty"`
	LoadAvgEnd   string `json:"load_avg_end,omitempty"`
}

// settings echoes the options that shape the numbers.
type settings struct {
	Duration   time.Duration     `json:"duration_ns"`
	Workers    int               `json:"workers"`
	MeRate     int               `json:"me_rate_during_flood"`
	BcryptCost int               `json:"bcrypt_cost"`
	Database   string            `json:"database"`
	ServerEnv  map[string]string `json:"server_env,omitempty"`
	Scenarios  []string          `json:"scenarios"`
}

// targetCheck is one performance target of issue 2 and how the run did.
type targetCheck struct {
	Target   string `json:"target"`
	Measured string `json:"measured"`
	// Status is PASS, FAIL, or SKIP when a scenario it needs did not run.
	Status string `json:"status"`
}

func currentMachine() machineInfo {
	return machineInfo{
		GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH,
		NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0), LoadAvgStart: loadAverage(),
	}
}

func settingsOf(o Options) settings {
	db := "sqlite (fresh temp file)"
	switch {
	case isPostgres(o.DatabaseURL):
		db = "postgres"
	case o.DatabaseURL != "":
		db = "sqlite (" + o.DatabaseURL + ")"
	}
	return settings{Duration: o.Duration, Workers: o.Workers, MeRate: o.Rate, BcryptCost: o.BcryptCost, Database: db, ServerEnv: o.ServerEnv, Scenarios: o.Scenarios}
}

// loadAverage returns the 1, 5 and 15 minute load averages from
// /proc/loadavg, or "" where there is none.
func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// result returns the row of scenario whose name starts with prefix.
func (r Report) result(scenario, prefix string) (Result, bool) {
	for _, res := range r.Results {
		if res.Scenario == scenario && strings.HasPrefix(res.Name, prefix) {
			return res, true
		}
	}
	return Result{}, false
}

func passFail(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// evaluateTargets checks the targets of issue 2's Performance section.
func evaluateTargets(r Report) []targetCheck {
	var out []targetCheck
	skip := func(target string) {
		out = append(out, targetCheck{Target: target, Measured: "not run", Status: "SKIP"})
	}

	const t1 = "/api/auth/me requests/s >= 50% of the bare handler's"
	bare, okB := r.result(scenarioBare, "")
	me, okM := r.result(scenarioMe, "")
	if okB && okM && bare.RPS > 0 {
		ratio := me.RPS / bare.RPS
		out = append(out, targetCheck{Target: t1,
			Measured: fmt.Sprintf("%.0f / %.0f = %.0f%%", me.RPS, bare.RPS, 100*ratio), Status: passFail(ratio >= 0.5)})
	} else {
		skip(t1)
	}

	const t2 = "/api/auth/me errors = 0"
	if okM {
		out = append(out, targetCheck{Target: t2, Measured: fmt.Sprintf("%d errors in %d requests", me.Errors, me.Requests),
			Status: passFail(me.Errors == 0 && me.Requests > 0)})
	} else {
		skip(t2)
	}

	const t3 = "/api/auth/me p99 < 20ms during the login flood"
	if meF, ok := r.result(scenarioMeFlood, "GET"); ok {
		out = append(out, targetCheck{Target: t3,
			Measured: fmt.Sprintf("p99 %s (p50 %s, %d errors)", ms(meF.P99), ms(meF.P50), meF.Errors),
			Status:   passFail(meF.Requests > 0 && meF.Errors == 0 && meF.P99 < 20*time.Millisecond)})
	} else {
		skip(t3)
	}

	const t4 = "login p50 within 10% of one bcrypt comparison (1 worker: no queueing)"
	serial, okS := r.result(scenarioLoginSerial, "")
	if okS && r.Bcrypt != nil && r.Bcrypt.Median > 0 && serial.Requests > 0 {
		ratio := float64(serial.P50) / float64(r.Bcrypt.Median)
		out = append(out, targetCheck{Target: t4,
			Measured: fmt.Sprintf("%s / %s = %.2fx", ms(serial.P50), ms(r.Bcrypt.Median), ratio),
			Status:   passFail(serial.Errors == 0 && math.Abs(ratio-1) <= 0.10)})
	} else {
		skip(t4)
	}
	return out
}

// ms formats d in milliseconds with a precision that suits its size.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0fms", v)
	case v >= 10:
		return fmt.Sprintf("%.1fms", v)
	default:
		return fmt.Sprintf("%.2fms", v)
	}
}

// WriteText writes the report as Markdown: the settings, the table of
// scenarios and the targets.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	m, s := r.Machine, r.Settings
	fmt.Fprintf(&b, "\n%s %s/%s, %d CPUs, GOMAXPROCS %d, load average %s (start) -> %s (end)\n",
		m.GoVersion, m.OS, m.Arch, m.NumCPU, m.GOMAXPROCS, orDash(m.LoadAvgStart), orDash(m.LoadAvgEnd))
	fmt.Fprintf(&b, "database %s, bcrypt cost %d, %s per scenario, %d workers; /api/auth/me at %s during the flood\n",
		s.Database, s.BcryptCost, s.Duration, s.Workers, rateLabel(s.MeRate))
	if len(s.ServerEnv) > 0 {
		keys := slices.Sorted(maps.Keys(s.ServerEnv))
		var kv []string
		for _, k := range keys {
			kv = append(kv, k+"="+s.ServerEnv[k])
		}
		fmt.Fprintf(&b, "server overrides: %s\n", strings.Join(kv, " "))
	}
	b.WriteString("\n")

	rows := [][]string{{"scenario", "workers", "rate", "requests", "requests/s", "p50", "p99", "max", "errors", "CPU/req"}}
	for _, res := range r.Results {
		rows = append(rows, []string{res.Name, fmt.Sprint(res.Workers), rateLabel(res.Rate), fmt.Sprint(res.Requests),
			fmt.Sprintf("%.0f", res.RPS), ms(res.P50), ms(res.P99), ms(res.Max), fmt.Sprint(res.Errors), us(res.CPUPerRequest)})
	}
	writeTable(&b, rows, []bool{false, true, true, true, true, true, true, true, true, true})

	for _, res := range r.Results {
		if len(res.ErrorSamples) > 0 {
			fmt.Fprintf(&b, "\n%s errors: %s", res.Name, strings.Join(res.ErrorSamples, "; "))
		}
	}
	if p := r.Bcrypt; p != nil {
		fmt.Fprintf(&b, "\none bcrypt comparison at cost %d, in-process: median %s of %d", p.Cost, ms(p.Median), len(p.Samples))
		for _, name := range []string{scenarioLoginSerial, scenarioLogin} {
			if res, ok := r.result(name, ""); ok && res.Requests > 0 && p.Median > 0 {
				fmt.Fprintf(&b, "; %s p50 = %.2fx", res.Name, float64(res.P50)/float64(p.Median))
			}
		}
		b.WriteString("\n")
	}

	b.WriteString("\n")
	trows := [][]string{{"target (issue 2)", "measured", "result"}}
	for _, t := range r.Targets {
		trows = append(trows, []string{t.Target, t.Measured, t.Status})
	}
	writeTable(&b, trows, []bool{false, false, false})
	_, err := io.WriteString(w, b.String())
	return err
}

// us formats a per-request CPU time in microseconds, or milliseconds from
// 10ms up; "-" for unknown.
func us(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d >= 10*time.Millisecond:
		return ms(d)
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func rateLabel(rate int) string {
	if rate == 0 {
		return "max"
	}
	return fmt.Sprintf("%d/s", rate)
}

// writeTable writes rows (the first is the header) as an aligned Markdown
// table, padding by characters (µ, ≤ and × are one column); right[i]
// right-aligns column i.
func writeTable(b *strings.Builder, rows [][]string, right []bool) {
	width := make([]int, len(rows[0]))
	for i := range width {
		width[i] = 3 // the shortest Markdown separator, "---"
	}
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	line := func(row []string) {
		b.WriteString("|")
		for i, c := range row {
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if right[i] {
				fmt.Fprintf(b, " %s%s |", pad, c)
			} else {
				fmt.Fprintf(b, " %s%s |", c, pad)
			}
		}
		b.WriteString("\n")
	}
	line(rows[0])
	b.WriteString("|")
	for i, wd := range width {
		dash := strings.Repeat("-", wd)
		if right[i] {
			dash = dash[:len(dash)-1] + ":"
		}
		fmt.Fprintf(b, " %s |", dash)
	}
	b.WriteString("\n")
	for _, row := range rows[1:] {
		line(row)
	}
}
