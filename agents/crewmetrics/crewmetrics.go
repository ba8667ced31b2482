// Package crewmetrics exports the agent crew's Prometheus series: runs by
// status and the event-log size (read from the database at scrape), task
// durations, posts fetched by outcome, model tokens and latency, and the
// event bus's notices and lags. Every label set is bounded: task names
// come from the crew, outcomes and kinds from fixed lists.
package crewmetrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/events"
)

// Sources are the database reads behind the gauges computed at scrape;
// nil funcs leave their series out.
type Sources struct {
	// RunsByStatus counts every stored run by status.
	RunsByStatus func(ctx context.Context) (map[agents.RunStatus]int, error)
	// EventLogSize counts the stored events.
	EventLogSize func(ctx context.Context) (int, error)
	// Timeout bounds each read; default 2s.
	Timeout time.Duration
	// Logger receives read failures; default slog.Default().
	Logger *slog.Logger
}

// Metrics holds the crew's series. Its methods are safe for concurrent use.
type Metrics struct {
	taskDuration *prometheus.HistogramVec
	posts        *prometheus.CounterVec
	tokens       *prometheus.CounterVec
	llmDuration  *prometheus.HistogramVec
	notices      *prometheus.CounterVec
	src          Sources

	runsDesc, eventsDesc, scrapeErrDesc *prometheus.Desc
	mu                                  sync.Mutex
	scrapeErrors                        float64
	started                             map[string]agents.Stats // run id -> stats when it (re)started here
}

// New registers the crew's series on reg.
func New(reg prometheus.Registerer, src Sources) (*Metrics, error) {
	if src.Timeout <= 0 {
		src.Timeout = 2 * time.Second
	}
	if src.Logger == nil {
		src.Logger = slog.Default()
	}
	m := &Metrics{
		src:     src,
		started: map[string]agents.Stats{},
		taskDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kpbot_crew_task_duration_seconds",
			Help:    "Wall time of each crew task execution, by task and outcome (ok, error).",
			Buckets: []float64{.01, .05, .1, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800},
		}, []string{"task", "outcome"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpbot_crew_posts_total",
			Help: "Posts the crew handled, by outcome (fetched, failed, duplicate), counted when a run execution ends.",
		}, []string{"outcome"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpbot_llm_tokens_total",
			Help: "Model tokens reported by the model server, by kind (prompt, completion).",
		}, []string{"kind"}),
		llmDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "kpbot_llm_request_duration_seconds",
			Help:    "Model call latency, by outcome (ok, error).",
			Buckets: []float64{.05, .1, .25, .5, 1, 2, 5, 10, 20, 30, 60, 120},
		}, []string{"outcome"}),
		notices: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "kpbot_bus_notices_total",
			Help: "Event-bus notices this instance received, by kind (notice, lagged: notices were dropped and subscribers re-read the log).",
		}, []string{"kind"}),
		runsDesc:      prometheus.NewDesc("kpbot_runs", "Stored crew runs by status (every instance's, read from the database at scrape).", []string{"status"}, nil),
		eventsDesc:    prometheus.NewDesc("kpbot_event_log_events", "Events stored in the event log (every topic), read from the database at scrape (the planner's estimate on PostgreSQL).", nil, nil),
		scrapeErrDesc: prometheus.NewDesc("kpbot_crew_metrics_read_errors_total", "Failed database reads of the crew gauges at scrape (the gauge is left out of that scrape).", nil, nil),
	}
	for _, c := range []prometheus.Collector{m.taskDuration, m.posts, m.tokens, m.llmDuration, m.notices, m} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("crewmetrics: register: %w", err)
		}
	}
	for _, o := range []string{"fetched", "failed", "duplicate"} {
		m.posts.WithLabelValues(o)
	}
	for _, k := range []string{"prompt", "completion"} {
		m.tokens.WithLabelValues(k)
	}
	for _, k := range []string{"notice", "lagged"} {
		m.notices.WithLabelValues(k)
	}
	return m, nil
}

// Describe implements prometheus.Collector for the gauges read at scrape.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) {
	ch <- m.runsDesc
	ch <- m.eventsDesc
	ch <- m.scrapeErrDesc
}

// Collect reads the runs by status and the event-log size.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), m.src.Timeout)
	defer cancel()
	if m.src.RunsByStatus != nil {
		counts, err := m.src.RunsByStatus(ctx)
		if err != nil {
			m.readFailed("runs by status", err)
		} else {
			for _, s := range []agents.RunStatus{agents.RunQueued, agents.RunRunning, agents.RunSucceeded, agents.RunFailed, agents.RunCancelled} {
				ch <- prometheus.MustNewConstMetric(m.runsDesc, prometheus.GaugeValue, float64(counts[s]), string(s))
			}
		}
	}
	if m.src.EventLogSize != nil {
		n, err := m.src.EventLogSize(ctx)
		if err != nil {
			m.readFailed("event log size", err)
		} else {
			ch <- prometheus.MustNewConstMetric(m.eventsDesc, prometheus.GaugeValue, float64(n))
		}
	}
	m.mu.Lock()
	n := m.scrapeErrors
	m.mu.Unlock()
	ch <- prometheus.MustNewConstMetric(m.scrapeErrDesc, prometheus.CounterValue, n)
}

func (m *Metrics) readFailed(what string, err error) {
	m.mu.Lock()
	m.scrapeErrors++
	m.mu.Unlock()
	m.src.Logger.Warn("crew metrics: read failed", "what", what, "err", err.Error())
}

// Crew returns crew with every task's Run timed into
// kpbot_crew_task_duration_seconds.
func (m *Metrics) Crew(crew agents.Crew) agents.Crew {
	tasks := make([]agents.Task, len(crew.Tasks))
	for i, t := range crew.Tasks {
		run, name := t.Run, t.Name
		m.taskDuration.WithLabelValues(name, "ok")
		t.Run = func(ctx context.Context, tc *agents.TaskContext) error {
			start := time.Now()
			err := run(ctx, tc)
			outcome := "ok"
			if err != nil {
				outcome = "error"
			}
			m.taskDuration.WithLabelValues(name, outcome).Observe(time.Since(start).Seconds())
			return err
		}
		tasks[i] = t
	}
	crew.Tasks = tasks
	return crew
}

// LLM returns llm with every call's latency and tokens recorded.
func (m *Metrics) LLM(llm agents.LLM) agents.LLM { return &timedLLM{next: llm, m: m} }

type timedLLM struct {
	next agents.LLM
	m    *Metrics
}

// Generate calls the wrapped model and records the call.
func (l *timedLLM) Generate(ctx context.Context, req agents.GenerateRequest) (agents.GenerateResponse, error) {
	start := time.Now()
	resp, err := l.next.Generate(ctx, req)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	l.m.llmDuration.WithLabelValues(outcome).Observe(time.Since(start).Seconds())
	if err == nil {
		l.m.tokens.WithLabelValues("prompt").Add(float64(max(resp.Usage.PromptTokens, 0)))
		l.m.tokens.WithLabelValues("completion").Add(float64(max(resp.Usage.CompletionTokens, 0)))
	}
	return resp, err
}

// Sink returns next with the posts of every run execution counted when
// it ends: the difference between its stats at run.started (restored
// ones, for a resumed run) and at its final event.
func (m *Metrics) Sink(next agents.EventSink) agents.EventSink {
	return &countingSink{next: next, m: m}
}

type countingSink struct {
	next agents.EventSink
	m    *Metrics
}

// Emit counts, then passes the event on.
func (s *countingSink) Emit(ctx context.Context, runID, campaignID, name string, data any) error {
	if d, ok := data.(agents.RunEventData); ok {
		s.m.runEvent(runID, name, d.Stats)
	}
	return s.next.Emit(ctx, runID, campaignID, name, data)
}

func (m *Metrics) runEvent(runID, name string, st agents.Stats) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch name {
	case agents.EventRunStarted:
		m.started[runID] = st
	case agents.EventRunSucceeded, agents.EventRunFailed, agents.EventRunCancelled:
		from, ok := m.started[runID]
		if !ok {
			return // started elsewhere: that instance's executions were counted there
		}
		delete(m.started, runID)
		m.posts.WithLabelValues("fetched").Add(float64(max(st.PostsFetched-from.PostsFetched, 0)))
		m.posts.WithLabelValues("failed").Add(float64(max(st.FetchFailures-from.FetchFailures, 0)))
		m.posts.WithLabelValues("duplicate").Add(float64(max(st.Duplicates-from.Duplicates, 0)))
	}
}

// WatchBus counts the bus's notices and lags on this instance until ctx
// ends or the bus closes.
func (m *Metrics) WatchBus(ctx context.Context, bus events.Bus) error {
	ch, err := bus.Subscribe(ctx)
	if err != nil {
		if errors.Is(err, events.ErrBusClosed) {
			return nil
		}
		return fmt.Errorf("crewmetrics: subscribe: %w", err)
	}
	notice, lagged := m.notices.WithLabelValues("notice"), m.notices.WithLabelValues("lagged")
	for n := range ch {
		if n.Lagged {
			lagged.Inc()
		} else {
			notice.Inc()
		}
	}
	return nil
}
