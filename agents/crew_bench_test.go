package agents_test

import (
	"fmt"
	"runtime"
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

// BenchmarkCrew runs research, analysis and drafting over a generated
// corpus with the offline writer and no politeness delay, and reports
// posts read per second and the peak heap in use over the run (sampled
// every 5 ms). Memory should stay flat from 1,000 to 5,000 posts: feed
// pages are read as they stream, research hands each candidate to the
// analyst as it finds it, and the analyst keeps only the prospects it is
// holding, never every page.
//
//	go test -run '^$' -bench BenchmarkCrew -benchtime 1x ./agents/
func BenchmarkCrew(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) { benchmarkCrew(b, n) })
	}
}

func benchmarkCrew(b *testing.B, posts int) {
	corpus := webtest.NewLargeCorpus(b, posts)
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay, MaxBodyBytes: 64 << 20})
	require.NoError(b, err)
	res, err := research.New(f, nil, research.Config{MaxPostsPerSeed: posts})
	require.NoError(b, err)
	an, err := analyst.New(f, analyst.Config{Parallel: 8})
	require.NoError(b, err)
	wr, err := writer.New(offlineLLM(b), writer.Config{})
	require.NoError(b, err)

	var fetched, drafts int64
	var peak uint64
	var elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		sink := crewtest.NewSink()
		crew, err := agents.OutreachCrew(agents.Members{Researcher: res, Analyst: an, Writer: wr, Sink: sink})
		require.NoError(b, err)
		runner, err := agents.NewRunner(crew, crewtest.NewRunStore(), agents.NewRecorder(), agents.RunnerConfig{})
		require.NoError(b, err)
		run, err := runner.Create(b.Context(), agents.Brief{
			CampaignID: fmt.Sprintf("bench-%d", i), OwnerID: "bench",
			Keywords: []string{"postgres", "go", "database", "query", "index"},
			SeedURLs: corpus.SeedURLs(), MaxProspects: 50,
		})
		require.NoError(b, err)

		runtime.GC()
		stop := make(chan struct{})
		var wg sync.WaitGroup
		var runPeak atomic.Uint64
		wg.Go(func() {
			var ms runtime.MemStats
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > runPeak.Load() {
					runPeak.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-t.C:
				}
			}
		})
		start := time.Now()
		err = runner.Execute(b.Context(), run.ID)
		elapsed += time.Since(start)
		close(stop)
		wg.Wait()
		require.NoError(b, err)
		got, err := runner.Store().Get(b.Context(), run.ID)
		require.NoError(b, err)
		require.GreaterOrEqual(b, got.Stats.PostsDiscovered, posts*9/10, "research finds the corpus")
		fetched += int64(got.Stats.PostsFetched + got.Stats.FetchFailures)
		drafts += int64(got.Stats.Drafts)
		peak = max(peak, runPeak.Load())
	}
	b.ReportMetric(float64(fetched)/elapsed.Seconds(), "posts/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(drafts)/float64(b.N), "drafts/run")
}
