package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kpbot/kpbot/agents"
	"github.com/kpbot/kpbot/agents/llm/offline"
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
			speedBlogServe(w, r, base, i, posts)
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

// speedBlogServe answers one request of blog site at base, the pages of
// webtest.Farm.
func speedBlogServe(w http.ResponseWriter, r *http.Request, base string, site, posts int) {
	p := r.URL.Path
	switch p {
	case "/robots.txt":
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, "User-agent: *\nAllow: /\n")
	case "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Blog %d</title>
<link rel="alternate" type="application/rss+xml" href="%s/feed.xml"></head>
<body><h1>Blog %d</h1><p>Notes on databases.</p></body></html>`, site, base, site)
	case "/feed.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Blog %d</title><link>%s/</link>`, site, base)
		for j := range posts {
			fmt.Fprintf(w, `<item><title>Postgres index tuning %d.%d</title><link>%s/posts/%d</link><pubDate>%s</pubDate></item>`,
				site, j, base, j, time.Date(2026, 1, 1+j, 0, 0, 0, 0, time.UTC).Format(time.RFC1123Z))
		}
		fmt.Fprint(w, `</channel></rss>`)
	default:
		var j int
		if _, err := fmt.Sscanf(p, "/posts/%d", &j); err != nil || j < 0 || j >= posts {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><html lang="en"><head><title>Postgres index tuning %d.%d</title>
<link rel="canonical" href="%s/posts/%d"></head><body><article><h1>Postgres index tuning %d.%d</h1>`, site, j, base, j, site, j)
		for k := range 6 {
			fmt.Fprintf(w, `<p>Paragraph %d: a Go service sends each query to the Postgres database; the right index turns a sequential scan into an index scan, and the query planner picks it when statistics are fresh. We measured the query with and without the index on blog %d, post %d.</p>`, k, site, j)
		}
		fmt.Fprint(w, `</article><section id="comments"><h2>Leave a comment</h2><form method="post" action="/comment"><textarea name="comment"></textarea><button>Post comment</button></form></section></body></html>`)
	}
}

// speedModel is a fake OpenAI-compatible chat completions server: it
// answers after a fixed latency with the offline writer's text for the
// prompt (so the server's reviewer sees realistic drafts), and counts its
// calls and the most it had in flight at once.
type speedModel struct {
	URL         string
	srv         *httptest.Server
	calls       atomic.Int64
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

// startSpeedModel serves the fake model on a loopback port.
func startSpeedModel(latency time.Duration) (*speedModel, error) {
	gen, err := offline.New(offline.Config{})
	if err != nil {
		return nil, fmt.Errorf("offline writer for the fake model: %w", err)
	}
	m := &speedModel{}
	m.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/chat/completions" {
			http.NotFound(w, r)
			return
		}
		m.calls.Add(1)
		n := m.inFlight.Add(1)
		defer m.inFlight.Add(-1)
		for {
			top := m.maxInFlight.Load()
			if n <= top || m.maxInFlight.CompareAndSwap(top, n) {
				break
			}
		}
		var req struct {
			Messages []agents.Message `json:"messages"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		resp, err := gen.Generate(r.Context(), agents.GenerateRequest{Messages: req.Messages})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		select {
		case <-time.After(latency):
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"model": "fake",
			"choices": []any{map[string]any{
				"message":       map[string]any{"role": "assistant", "content": resp.Content},
				"finish_reason": "stop",
			}},
			"usage": map[string]any{
				"prompt_tokens": resp.Usage.PromptTokens, "completion_tokens": resp.Usage.CompletionTokens,
				"total_tokens": resp.Usage.PromptTokens + resp.Usage.CompletionTokens,
			},
		})
	}))
	m.URL = m.srv.URL
	return m, nil
}

// close stops the fake model.
func (m *speedModel) close() { m.srv.Close() }
