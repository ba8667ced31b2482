package app

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/kpbot/kpbot/agents/crewmetrics"
	"github.com/kpbot/kpbot/storage/bunstore"
)

// ProvideRegistry is the Prometheus registry /metrics serves: the Go and
// process collectors, the HTTP server's series and the crew's.
func ProvideRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// ProvideCrewMetrics registers the crew's series (see
// agents/crewmetrics) and counts this instance's bus notices until the
// cleanup runs.
func ProvideCrewMetrics(reg *prometheus.Registry, runs *bunstore.Runs, ev *Events, logger *slog.Logger) (*crewmetrics.Metrics, func(), error) {
	m, err := crewmetrics.New(reg, crewmetrics.Sources{
		RunsByStatus: runs.CountByStatus,
		EventLogSize: ev.Log.Count,
		Logger:       logger,
	})
	if err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := m.WatchBus(ctx, ev.Bus); err != nil {
			logger.Warn("bus metrics", "err", err.Error())
		}
	}()
	return m, func() { cancel(); <-done }, nil
}
