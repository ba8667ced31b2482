package web_test

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// farmURLs lists every host's posts, host by host: the worst order for a
// scheduler that reads in arrival order.
func farmURLs(f *webtest.Farm, posts int) []string {
	var out []string
	for _, h := range f.Hosts {
		for j := range posts {
			out = append(out, h+"/posts/"+string(rune('0'+j)))
		}
	}
	return out
}

// checkGaps asserts no host of f saw two requests closer than delay, and
// returns every request's host in arrival order.
func checkGaps(t *testing.T, f *webtest.Farm, delay time.Duration) []string {
	t.Helper()
	type hit struct {
		host string
		at   time.Time
	}
	var all []hit
	for _, h := range f.Hosts {
		hits := f.Hits(h)
		for i := 1; i < len(hits); i++ {
			gap := hits[i].At.Sub(hits[i-1].At)
			assert.GreaterOrEqual(t, gap, delay, "host %s: %s then %s only %s apart", h, hits[i-1].Path, hits[i].Path, gap)
		}
		for _, x := range hits {
			all = append(all, hit{h, x.At})
		}
	}
	slices.SortFunc(all, func(a, b hit) int { return a.at.Compare(b.at) })
	out := make([]string, len(all))
	for i, x := range all {
		out[i] = x.host
	}
	return out
}

func runByHost(t *testing.T, f *web.Fetcher, urls []string, workers int) int {
	t.Helper()
	var ok atomic.Int64
	err := web.EachByHost(t.Context(), web.HostQueueConfig{Workers: workers, MaxQueued: len(urls), Turns: f},
		slices.Values(urls), func(u string) string { return u },
		func(ctx context.Context, u string, _ func()) {
			if _, err := f.Fetch(ctx, u); err == nil {
				ok.Add(1)
			}
		})
	require.NoError(t, err)
	return int(ok.Load())
}

// TestEachByHostIsPoliteAndParallel reads 4 posts from each of 8 hosts
// (each on its own loopback address) queued host by host: no host ever
// sees two requests closer than the delay, and every host gets its first
// request before any host gets its second.
func TestEachByHostIsPoliteAndParallel(t *testing.T) {
	const hosts, posts, delay = 8, 4, 300 * time.Millisecond
	farm := webtest.NewFarm(t, hosts, posts, "")
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: delay})
	require.NoError(t, err)

	// As many workers as hosts: a pool reading in arrival order would
	// give them all to the first two hosts' posts.
	require.Equal(t, hosts*posts, runByHost(t, f, farmURLs(farm, posts), hosts))
	order := checkGaps(t, farm, delay)
	for _, h := range farm.Hosts {
		assert.Len(t, farm.Hits(h), posts+1, "robots.txt and each post once") // robots.txt too
	}
	first := map[string]bool{}
	for _, h := range order[:hosts] {
		first[h] = true
	}
	assert.Len(t, first, hosts, "the first %d requests went to every host, not one host's queue", hosts)
}

// TestEachByHostKeepsCrawlDelay: robots.txt's Crawl-delay, longer than the
// configured delay, spaces each host's requests.
func TestEachByHostKeepsCrawlDelay(t *testing.T) {
	const hosts, posts = 3, 2
	farm := webtest.NewFarm(t, hosts, posts, "User-agent: *\nCrawl-delay: 1\nAllow: /\n")
	f, err := web.NewFetcher(web.Config{AllowPrivate: true, PerHostDelay: 50 * time.Millisecond})
	require.NoError(t, err)
	require.Equal(t, hosts*posts, runByHost(t, f, farmURLs(farm, posts), 8))
	// robots.txt itself is fetched at the configured delay; the posts
	// after it keep the Crawl-delay.
	for _, h := range farm.Hosts {
		hits := farm.Hits(h)
		require.Len(t, hits, posts+1)
		for i := 2; i < len(hits); i++ {
			assert.GreaterOrEqual(t, hits[i].At.Sub(hits[i-1].At), time.Second, "host %s", h)
		}
	}
}

// TestEachByHostBoundsQueueAndStops: the sequence is read no further ahead
// than MaxQueued, one item per host runs at a time, and a cancelled
// context ends it with the context's error.
func TestEachByHostBoundsQueueAndStops(t *testing.T) {
	var mu sync.Mutex
	read, handled, running, most := 0, 0, map[string]int{}, 0
	ahead := 0
	items := func(yield func(string) bool) {
		for i := range 40 {
			mu.Lock()
			read++
			ahead = max(ahead, read-handled)
			mu.Unlock()
			if !yield("http://h" + string(rune('a'+i%4)) + ".example/p") {
				return
			}
		}
	}
	err := web.EachByHost(t.Context(), web.HostQueueConfig{Workers: 8, MaxQueued: 3}, items,
		func(u string) string { return u },
		func(_ context.Context, u string, _ func()) {
			mu.Lock()
			running[u]++
			most = max(most, running[u])
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			running[u]--
			handled++
			mu.Unlock()
		})
	require.NoError(t, err)
	assert.Equal(t, 40, handled)
	assert.Equal(t, 1, most, "one item per host at a time")
	assert.LessOrEqual(t, ahead, 3+8, "read ahead at most MaxQueued plus the items being handled")

	ctx, cancel := context.WithCancel(t.Context())
	var n atomic.Int64
	err = web.EachByHost(ctx, web.HostQueueConfig{Workers: 2, MaxQueued: 2}, func(yield func(string) bool) {
		for {
			if !yield("http://x.example/") {
				return
			}
		}
	}, func(u string) string { return u }, func(context.Context, string, func()) {
		if n.Add(1) == 5 {
			cancel()
		}
	})
	require.ErrorIs(t, err, context.Canceled)
	assert.GreaterOrEqual(t, n.Load(), int64(5))
}
