package crewmetrics_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/crewmetrics"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/transport/eventbus"
)

// series returns name's series as label-set string -> value (a
// histogram's sample count).
func series(t *testing.T, g prometheus.Gatherer, name string) map[string]float64 {
	t.Helper()
	fams, err := g.Gather()
	require.NoError(t, err)
	out := map[string]float64{}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			key := ""
			for _, l := range m.GetLabel() {
				key += l.GetName() + "=" + l.GetValue() + ","
			}
			switch {
			case m.Counter != nil:
				out[key] = m.GetCounter().GetValue()
			case m.Gauge != nil:
				out[key] = m.GetGauge().GetValue()
			case m.Histogram != nil:
				out[key] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	return out
}

// okLLM answers every call with fixed usage.
type okLLM struct{}

func (okLLM) Generate(context.Context, agents.GenerateRequest) (agents.GenerateResponse, error) {
	return agents.GenerateResponse{Content: "hi", Usage: agents.Usage{PromptTokens: 7, CompletionTokens: 3}}, nil
}

// TestModelCalls: tokens of answered calls, latency of every call by outcome.
func TestModelCalls(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := crewmetrics.New(reg, crewmetrics.Sources{})
	require.NoError(t, err)
	ctx := t.Context()
	_, err = m.LLM(okLLM{}).Generate(ctx, agents.GenerateRequest{})
	require.NoError(t, err)
	_, err = m.LLM(crewtest.FailingLLM{Err: agents.ErrBudgetExceeded}).Generate(ctx, agents.GenerateRequest{})
	require.ErrorIs(t, err, agents.ErrBudgetExceeded, "the error passes through unchanged")
	assert.Equal(t, map[string]float64{"kind=completion,": 3, "kind=prompt,": 7}, series(t, reg, "kpbot_llm_tokens_total"))
	assert.Equal(t, map[string]float64{"outcome=ok,": 1, "outcome=error,": 1}, series(t, reg, "kpbot_llm_request_duration_seconds"))
}

// TestPostsCountedPerExecution: a resumed run counts only what its
// execution added; a run started on another instance is not counted here.
func TestPostsCountedPerExecution(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := crewmetrics.New(reg, crewmetrics.Sources{})
	require.NoError(t, err)
	rec := agents.NewRecorder()
	sink := m.Sink(rec)
	ctx := t.Context()
	emit := func(run, name string, st agents.Stats) {
		require.NoError(t, sink.Emit(ctx, run, "c1", name, agents.RunEventData{RunID: run, Stats: st}))
	}
	emit("r1", agents.EventRunStarted, agents.Stats{PostsFetched: 4, FetchFailures: 1}) // resumed
	emit("r1", agents.EventRunSucceeded, agents.Stats{PostsFetched: 10, FetchFailures: 2, Duplicates: 3})
	emit("r2", agents.EventRunFailed, agents.Stats{PostsFetched: 50}) // started elsewhere
	assert.Equal(t, map[string]float64{"outcome=duplicate,": 3, "outcome=failed,": 1, "outcome=fetched,": 6},
		series(t, reg, "kpbot_crew_posts_total"))
	assert.Equal(t, []string{agents.EventRunStarted, agents.EventRunSucceeded}, rec.Names("r1"), "events pass through")
}

// TestGaugesReadAtScrape: the database reads become gauges; a failed read
// leaves its gauge out and counts an error instead of failing the scrape.
func TestGaugesReadAtScrape(t *testing.T) {
	t.Parallel()
	var broken atomic.Bool
	reg := prometheus.NewRegistry()
	_, err := crewmetrics.New(reg, crewmetrics.Sources{
		RunsByStatus: func(context.Context) (map[agents.RunStatus]int, error) {
			if broken.Load() {
				return nil, errors.New("database down")
			}
			return map[agents.RunStatus]int{agents.RunQueued: 2, agents.RunSucceeded: 5}, nil
		},
		EventLogSize: func(context.Context) (int, error) { return 42, nil },
		Timeout:      time.Second,
	})
	require.NoError(t, err)
	assert.Equal(t, map[string]float64{
		"status=cancelled,": 0, "status=failed,": 0, "status=queued,": 2, "status=running,": 0, "status=succeeded,": 5,
	}, series(t, reg, "kpbot_runs"))
	assert.Equal(t, map[string]float64{"": 42}, series(t, reg, "kpbot_event_log_events"))
	assert.Equal(t, map[string]float64{"": 0}, series(t, reg, "kpbot_crew_metrics_read_errors_total"))
	broken.Store(true)
	assert.Empty(t, series(t, reg, "kpbot_runs"), "left out; the scrape still succeeds")
	assert.Equal(t, map[string]float64{"": 2}, series(t, reg, "kpbot_crew_metrics_read_errors_total"),
		"one failure in each of the two gathers above")
}

// TestTasksAndBus: crew tasks are timed by outcome; bus notices counted
// until the bus closes.
func TestTasksAndBus(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	m, err := crewmetrics.New(reg, crewmetrics.Sources{})
	require.NoError(t, err)
	crew := m.Crew(agents.Crew{Name: "c", Tasks: []agents.Task{
		{Name: "a", Run: func(context.Context, *agents.TaskContext) error { return nil }},
		{Name: "b", Run: func(context.Context, *agents.TaskContext) error { return errors.New("boom") }},
	}})
	require.NoError(t, crew.Tasks[0].Run(t.Context(), &agents.TaskContext{}))
	require.Error(t, crew.Tasks[1].Run(t.Context(), &agents.TaskContext{}))
	assert.Equal(t, map[string]float64{"outcome=ok,task=a,": 1, "outcome=ok,task=b,": 0, "outcome=error,task=b,": 1},
		series(t, reg, "kpbot_crew_task_duration_seconds"))

	bus := eventbus.NewLocal()
	done := make(chan error, 1)
	go func() { done <- m.WatchBus(context.Background(), bus) }()
	require.Eventually(t, func() bool {
		_ = bus.Publish(t.Context(), "run:x", 1)
		return series(t, reg, "kpbot_bus_notices_total")["kind=notice,"] > 0
	}, 5*time.Second, 10*time.Millisecond)
	require.NoError(t, bus.Close())
	require.NoError(t, <-done, "WatchBus returns when the bus closes")
}
