package agents_test

import (
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/analyst"
	"github.com/kpbot/kpbot/agents/crewtest"
	"github.com/kpbot/kpbot/agents/research"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/agents/writer"
)

var speedHosts = flag.String("speed.hosts", "40", "comma-separated host counts for BenchmarkCampaignSpeed (e.g. 40,400)")

// BenchmarkCampaignSpeed is issue 12's scenario: one campaign over blogs
// each on its own loopback host (127.0.x.y), 5 posts each, the default 1 s
// politeness delay. It reports the politeness bound (the busiest host's
// requests, one a delay apart: (requests-1) × delay), the measured wall
// time of research + analysis, their ratio, and the peak heap in use.
//
//	go test -run '^$' -bench BenchmarkCampaignSpeed -benchtime 1x ./agents/
//	go test -run '^$' -bench BenchmarkCampaignSpeed -benchtime 1x ./agents/ -speed.hosts 40,400
func BenchmarkCampaignSpeed(b *testing.B) {
	for _, f := range strings.Split(*speedHosts, ",") {
		hosts, err := strconv.Atoi(strings.TrimSpace(f))
		require.NoError(b, err, "-speed.hosts")
		b.Run(fmt.Sprintf("hosts=%d", hosts), func(b *testing.B) { benchmarkCampaignSpeed(b, hosts, 5) })
	}
}

func benchmarkCampaignSpeed(b *testing.B, hosts, posts int) {
	const delay = web.DefaultPerHostDelay
	farm := webtest.NewFarm(b, hosts, posts, "")
	var bound, crawl time.Duration
	var peak uint64
	for i := 0; b.Loop(); i++ {
		farm.Reset()
		// A fresh fetcher each round: nothing cached, every host polite
		// from its first request.
		f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: delay})
		require.NoError(b, err)
		res, err := research.New(f, nil, research.Config{})
		require.NoError(b, err)
		an, err := analyst.New(f, analyst.Config{})
		require.NoError(b, err)
		wr, err := writer.New(offlineLLM(b), writer.Config{})
		require.NoError(b, err)
		crew, err := agents.OutreachCrew(agents.Members{Researcher: res, Analyst: an, Writer: wr, Sink: crewtest.NewSink()})
		require.NoError(b, err)
		runner, err := agents.NewRunner(crew, crewtest.NewRunStore(), agents.NewRecorder(), agents.RunnerConfig{})
		require.NoError(b, err)
		run, err := runner.Create(b.Context(), agents.Brief{
			CampaignID: fmt.Sprintf("speed-%d", i), OwnerID: "bench",
			Keywords: []string{"postgres", "index", "query", "database"},
			SeedURLs: farm.SeedURLs(), MaxProspects: min(hosts*posts/2, 100),
		})
		require.NoError(b, err)

		runtime.GC()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var runPeak atomic.Uint64
		wg.Go(func() {
			var ms runtime.MemStats
			t := time.NewTicker(20 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				runPeak.Store(max(runPeak.Load(), ms.HeapInuse))
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		})
		err = runner.Execute(b.Context(), run.ID)
		close(stop)
		wg.Wait()
		require.NoError(b, err)
		got, err := runner.Store().Get(b.Context(), run.ID)
		require.NoError(b, err)
		require.Equal(b, hosts*posts, got.Stats.PostsFetched, "every post read")
		steps := map[string]agents.Step{}
		for _, s := range got.Steps {
			steps[s.Name] = s
		}
		crawl += steps[agents.TaskAnalysis].FinishedAt.Sub(*steps[agents.TaskResearch].StartedAt)
		bound += time.Duration(farm.MaxHits()-1) * delay
		peak = max(peak, runPeak.Load())
	}
	n := float64(b.N)
	b.ReportMetric(float64(hosts), "hosts")
	b.ReportMetric(float64(posts), "posts/host")
	b.ReportMetric(bound.Seconds()/n, "crawl-bound-s")
	b.ReportMetric(crawl.Seconds()/n, "crawl-s")
	b.ReportMetric(crawl.Seconds()/bound.Seconds(), "crawl-ratio")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}
