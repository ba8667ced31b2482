package agents_test

import (
	"context"
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

// phaseSink notes when the research step has finished, so the benchmark
// can report the peak heap of discovery (which streams feeds and keeps one
// small candidate per post) apart from that of analysis and drafting
// (which stream posts and keep only the prospects they hold).
type phaseSink struct {
	agents.EventSink
	researched *atomic.Bool
}

func (p phaseSink) Emit(ctx context.Context, runID, campaignID, name string, data any) error {
	if d, ok := data.(agents.ProgressData); ok && d.Step == agents.TaskResearch {
		runtime.GC()
		p.researched.Store(true)
	}
	return p.EventSink.Emit(ctx, runID, campaignID, name, data)
}

// BenchmarkCrew runs research, analysis and drafting over a generated
// corpus with the offline writer and no politeness delay, and reports
// posts read per second and the peak heap in use during analysis and
// drafting (peak-heap-MiB) and during research (research-peak-heap-MiB). Memory
// should stay flat from 1,000 to 5,000 posts: feeds are read as they stream,
// the analyst keeps only the prospects it is holding, never every page, and
// what grows with the corpus is the candidate list (a URL, title and date,
// about 220 bytes a post).
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
	var peak, rpeak uint64
	var elapsed time.Duration
	for i := 0; b.Loop(); i++ {
		sink := crewtest.NewSink()
		crew, err := agents.OutreachCrew(agents.Members{Researcher: res, Analyst: an, Writer: wr, Sink: sink})
		require.NoError(b, err)
		var researched atomic.Bool
		events := phaseSink{EventSink: agents.NewRecorder(), researched: &researched}
		runner, err := agents.NewRunner(crew, crewtest.NewRunStore(), events, agents.RunnerConfig{})
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
		var runPeak, researchPeak atomic.Uint64
		wg.Go(func() {
			var ms runtime.MemStats
			t := time.NewTicker(5 * time.Millisecond)
			defer t.Stop()
			for {
				runtime.ReadMemStats(&ms)
				p := &runPeak
				if !researched.Load() {
					p = &researchPeak
				}
				if ms.HeapInuse > p.Load() {
					p.Store(ms.HeapInuse)
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
		rpeak = max(rpeak, researchPeak.Load())
	}
	b.ReportMetric(float64(fetched)/elapsed.Seconds(), "posts/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(rpeak)/(1<<20), "research-peak-heap-MiB")
	b.ReportMetric(float64(drafts)/float64(b.N), "drafts/run")
}
