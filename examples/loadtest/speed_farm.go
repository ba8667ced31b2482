package main

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/kpbot/kpbot/agents/llm/offline"
	"github.com/kpbot/kpbot/agents/llm/openai/openaitest"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// speedFarm is the speed scenario's blogs: small blogs, each on its own
// loopback address (127.0.x.y; Linux routes all of 127/8 to lo), so
// every blog is a host of its own to the server's polite fetcher. Its
// pages are those of agents/web/webtest.Farm, which the in-process
// benchmark (BenchmarkCampaignSpeed) crawls: a home page naming its RSS
// feed, the feed, robots.txt, and posts on Postgres indexes with an open
// comment form. It counts the requests each host receives and the
// closest two of them.
type speedFarm struct {
	// Hosts are the blogs' base URLs, in order.
	Hosts   []string
	servers []*httptest.Server
	mu      sync.Mutex
	hits    []hostHits
}

// hostHits is what one blog host received.
type hostHits struct {
	n      int
	last   time.Time
	minGap time.Duration // 0 until a second request
}

// speedRobots is every blog's robots.txt: everything allowed.
const speedRobots = "User-agent: *\nAllow: /\n"

// speedHostIP is blog i's loopback address; 127.0.0.x is left to the
// server, the model and the load tool.
func speedHostIP(i int) string {
	return fmt.Sprintf("127.0.%d.%d", 1+i/250, 1+i%250)
}

// startSpeedFarm serves hosts blogs of posts posts each; close stops them.
func startSpeedFarm(hosts, posts int) (*speedFarm, error) {
	f := &speedFarm{hits: make([]hostHits, hosts)}
	for i := range hosts {
		ln, err := net.Listen("tcp", speedHostIP(i)+":0")
		if err != nil {
			f.close()
			return nil, fmt.Errorf("blog %d: listen on %s (Linux routes 127/8 to loopback; elsewhere add the addresses to lo): %w", i, speedHostIP(i), err)
		}
		base := "http://" + ln.Addr().String()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			f.record(i)
			webtest.ServeFarmPage(w, r, base, i, posts, speedRobots)
		}))
		_ = srv.Listener.Close()
		srv.Listener = ln
		srv.Start()
		f.servers = append(f.servers, srv)
		f.Hosts = append(f.Hosts, base)
	}
	return f, nil
}

func (f *speedFarm) record(i int) {
	now := time.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	h := &f.hits[i]
	if h.n > 0 {
		if gap := now.Sub(h.last); h.minGap == 0 || gap < h.minGap {
			h.minGap = gap
		}
	}
	h.n++
	h.last = now
}

// close stops every blog.
func (f *speedFarm) close() {
	for _, s := range f.servers {
		s.Close()
	}
}

// seedURLs are the home pages of hosts [from, to).
func (f *speedFarm) seedURLs(from, to int) []string {
	out := make([]string, 0, to-from)
	for _, h := range f.Hosts[from:to] {
		out = append(out, h+"/")
	}
	return out
}

// stats returns every host's request count summed, the busiest host's
// count, and the closest two requests to one host came (0 when no host
// had two).
func (f *speedFarm) stats() (total, busiest int, minGap time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, h := range f.hits {
		total += h.n
		busiest = max(busiest, h.n)
		if h.minGap > 0 && (minGap == 0 || h.minGap < minGap) {
			minGap = h.minGap
		}
	}
	return total, busiest, minGap
}

// startSpeedModel serves the fake model on a loopback port: it answers
// after latency with the offline writer's text for the prompt, and counts
// its calls and the most it had in flight at once.
func startSpeedModel(latency time.Duration) (*openaitest.Server, error) {
	gen, err := offline.New(offline.Config{})
	if err != nil {
		return nil, fmt.Errorf("offline writer for the fake model: %w", err)
	}
	return openaitest.NewServer(gen, latency), nil
}
