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
	"github.com/kpbot/kpbot/agents/llm/budget"
	"github.com/kpbot/kpbot/agents/llm/openai"
	"github.com/kpbot/kpbot/agents/llm/openai/openaitest"
	"github.com/kpbot/kpbot/agents/research"
	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
	"github.com/kpbot/kpbot/agents/writer"
)

var (
	speedHosts   = flag.String("speed.hosts", "40", "comma-separated host counts for BenchmarkCampaignSpeed (e.g. 40,400)")
	speedLatency = flag.Duration("speed.latency", 400*time.Millisecond, "the fake model server's answer time in BenchmarkCampaignSpeed")
)

// newFakeModel serves an OpenAI-compatible model that answers after
// latency with the offline writer's comment on the prompt (so the reviewer
// sees realistic drafts), and counts its calls.
func newFakeModel(b *testing.B, latency time.Duration) *openaitest.Server {
	b.Helper()
	fm := openaitest.NewServer(offlineLLM(b), latency)
	b.Cleanup(fm.Close)
	return fm
}

// BenchmarkCampaignSpeed is issue 12's scenario: one campaign over blogs
// each on its own loopback host (127.0.x.y), 5 posts each, the default 1 s
// politeness delay. It reports the politeness bound (the busiest host's
// requests, one a delay apart: (requests-1) × delay), the measured wall
// time of research + analysis, their ratio, and the peak heap in use.
// Drafting goes to a fake OpenAI-compatible model server answering after
// -speed.latency (400 ms), DefaultDraftConcurrency calls at once, through
// the budget decorator; it reports the calls, the bound (calls × latency ÷
// concurrency), the measured drafting time, their ratio and the model
// calls per stored draft. Drafting starts during analysis for the
// prospects it is already certain to keep, so drafting time runs from the
// first model call to the end of drafting; the total (research start to
// drafting end) is reported against the serial sum of the two phases and
// against the bound max(crawl bound, drafting bound) that perfect overlap
// would reach, with the share of drafts started during analysis.
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
	model := newFakeModel(b, *speedLatency)
	conc := agents.DefaultDraftConcurrency
	var bound, crawl, drafting, total time.Duration
	var calls, drafts, early int64
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
		client, err := openai.New(openai.Config{BaseURL: model.URL, Model: "fake"})
		require.NoError(b, err)
		llm := budget.Wrap(client, budget.NewMemory(budget.Limits{}), nil)
		wr, err := writer.New(llm, writer.Config{})
		require.NoError(b, err)
		callsBefore := model.Calls()
		model.ResetFirstCall()
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
		d := steps[agents.TaskDrafting]
		drafting += d.FinishedAt.Sub(model.FirstCall())
		total += d.FinishedAt.Sub(*steps[agents.TaskResearch].StartedAt)
		calls += model.Calls() - callsBefore
		drafts += int64(got.Stats.Drafts)
		early += int64(d.Stats["drafted_early"])
		require.Positive(b, got.Stats.Drafts)
	}
	n := float64(b.N)
	b.ReportMetric(float64(hosts), "hosts")
	b.ReportMetric(float64(posts), "posts/host")
	b.ReportMetric(bound.Seconds()/n, "crawl-bound-s")
	b.ReportMetric(crawl.Seconds()/n, "crawl-s")
	b.ReportMetric(crawl.Seconds()/bound.Seconds(), "crawl-ratio")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	draftBound := time.Duration(calls) * *speedLatency / time.Duration(conc)
	b.ReportMetric(float64(calls)/n, "draft-calls")
	b.ReportMetric(float64(drafts)/n, "drafts")
	b.ReportMetric(float64(speedLatency.Milliseconds()), "latency-ms")
	b.ReportMetric(float64(conc), "concurrency")
	b.ReportMetric(draftBound.Seconds()/n, "draft-bound-s")
	b.ReportMetric(drafting.Seconds()/n, "draft-s")
	b.ReportMetric(drafting.Seconds()/draftBound.Seconds(), "draft-ratio")
	b.ReportMetric(float64(calls)/float64(drafts), "calls/draft")
	b.ReportMetric(float64(early)/float64(drafts), "early-share")
	serial := crawl + drafting
	b.ReportMetric(total.Seconds()/n, "total-s")
	b.ReportMetric(serial.Seconds()/n, "serial-s")
	b.ReportMetric((serial-total).Seconds()/n, "overlap-s")
	b.ReportMetric(max(bound, draftBound).Seconds()/n, "total-bound-s")
	b.ReportMetric(total.Seconds()/max(bound, draftBound).Seconds(), "total-ratio")
}
