package app

import (
	"net/http"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
)

// scrape reads base/metrics and returns the families by name.
func scrape(t *testing.T, base string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	require.NoError(t, err)
	return fams
}

// sample returns the value of the family's series with the given labels
// (a counter's or gauge's value, a histogram's count), and whether there
// is one.
func sample(fams map[string]*dto.MetricFamily, name string, labels map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

// requireCrewSeries checks the crew's series after one succeeded run that
// fetched posts and drafted comments.
func requireCrewSeries(t *testing.T, base string) {
	t.Helper()
	fams := scrape(t, base)
	v, ok := sample(fams, "kpbot_runs", map[string]string{"status": "succeeded"})
	assert.True(t, ok)
	assert.Equal(t, float64(1), v, "runs by status, read from the database")
	v, _ = sample(fams, "kpbot_runs", map[string]string{"status": "running"})
	assert.Equal(t, float64(0), v)
	for _, task := range []string{agents.TaskResearch, agents.TaskAnalysis, agents.TaskDrafting} {
		v, _ = sample(fams, "kpbot_crew_task_duration_seconds", map[string]string{"task": task, "outcome": "ok"})
		assert.Equal(t, float64(1), v, "task %s timed once", task)
	}
	v, _ = sample(fams, "kpbot_crew_posts_total", map[string]string{"outcome": "fetched"})
	assert.Positive(t, v, "posts fetched")
	v, _ = sample(fams, "kpbot_llm_request_duration_seconds", map[string]string{"outcome": "ok"})
	assert.Positive(t, v, "model calls timed")
	_, ok = sample(fams, "kpbot_llm_tokens_total", map[string]string{"kind": "prompt"})
	assert.True(t, ok, "token counters are exported (the offline writer reports none)")
	v, _ = sample(fams, "kpbot_event_log_events", nil)
	assert.Positive(t, v, "event-log size")
	v, _ = sample(fams, "kpbot_bus_notices_total", map[string]string{"kind": "notice"})
	assert.Positive(t, v, "bus notices")
	_, ok = sample(fams, "kpbot_ws_connections", nil)
	assert.True(t, ok, "hub connections")
	_, ok = sample(fams, "kpbot_http_requests_total", nil)
	assert.True(t, ok, "the HTTP series share the registry")
}
