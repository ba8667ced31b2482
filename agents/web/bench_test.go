package web_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

func BenchmarkExtract(b *testing.B) {
	c := webtest.NewCorpus(b)
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay})
	require.NoError(b, err)
	page, err := f.Fetch(context.Background(), c.RelevantURLs()[0])
	require.NoError(b, err)
	b.SetBytes(int64(len(page.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := web.Extract(page.FinalURL, page.Body); err != nil {
			b.Fatal(err)
		}
	}
}

// crawlLarge discovers and fetches+extracts every post of a large corpus,
// keeping only small per-post results, and returns the heap in use after.
func crawlLarge(tb testing.TB, posts int) (fetched int, heap uint64) {
	c := webtest.NewLargeCorpus(tb, posts)
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: web.NoDelay})
	require.NoError(tb, err)
	ctx := context.Background()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, seed := range c.SeedURLs() {
		cands, err := f.Discover(ctx, seed, posts)
		require.NoError(tb, err)
		wg.Go(func() {
			for _, cd := range cands {
				page, err := f.Fetch(ctx, cd.URL)
				if err != nil {
					tb.Error(err)
					return
				}
				art, err := web.ExtractPage(page)
				if err != nil {
					tb.Error(err)
					return
				}
				mu.Lock()
				fetched += min(1, len(art.Title))
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return fetched, ms.HeapInuse
}

func BenchmarkCrawlLargeCorpus(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("posts=%d", n), func(b *testing.B) {
			for b.Loop() {
				fetched, heap := crawlLarge(b, n)
				require.Equal(b, n, fetched)
				b.ReportMetric(float64(heap)/(1<<20), "heapMiB")
			}
		})
	}
}

// TestMemoryFlatAcrossCorpusSize checks that crawling five times as many
// posts does not leave the heap five times larger: nothing per page is kept.
func TestMemoryFlatAcrossCorpusSize(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls a few thousand generated posts; skipped with -short")
	}
	small, heapSmall := crawlLarge(t, 200)
	require.Equal(t, 200, small)
	large, heapLarge := crawlLarge(t, 1000)
	require.Equal(t, 1000, large)
	t.Logf("heap in use after 200 posts: %.1f MiB, after 1000 posts: %.1f MiB", float64(heapSmall)/(1<<20), float64(heapLarge)/(1<<20))
	require.Less(t, float64(heapLarge), 2*float64(heapSmall)+8<<20, "heap grew with the number of posts")
}
