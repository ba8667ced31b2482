package bustest

import (
	"bytes"
	"context"
	"regexp"
	"runtime/pprof"
	"strconv"
	"strings"
)

// labelKey is the pprof label bustest marks its scenario goroutines with.
const labelKey = "bustest"

// runLabeled runs fn with a pprof label that every goroutine it starts,
// directly or not, inherits.
func runLabeled(value string, fn func(ctx context.Context)) {
	pprof.Do(context.Background(), pprof.Labels(labelKey, value), fn)
}

var profileCount = regexp.MustCompile(`^(\d+) @`)

// labeledGoroutines counts the live goroutines carrying the label value,
// other than the caller, and returns their stacks.
func labeledGoroutines(value string) (int, string, error) {
	p := pprof.Lookup("goroutine")
	if p == nil {
		return 0, "", errNoProfile
	}
	var buf bytes.Buffer
	if err := p.WriteTo(&buf, 1); err != nil {
		return 0, "", err
	}
	want := strconv.Quote(labelKey) + ":" + strconv.Quote(value)
	var n int
	var stacks strings.Builder
	for rec := range strings.SplitSeq(buf.String(), "\n\n") {
		lines := strings.Split(rec, "\n")
		m := profileCount.FindStringSubmatch(lines[0])
		if m == nil || !strings.Contains(rec, "# labels: ") || !strings.Contains(rec, want) {
			continue
		}
		c, _ := strconv.Atoi(m[1])
		n += c
		stacks.WriteString(rec)
		stacks.WriteString("\n\n")
	}
	return n, stacks.String(), nil
}
