package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
)

// robotsStatusServer answers robots.txt with status and body, counting
// robots.txt requests.
func robotsStatusServer(t *testing.T, status int, body string) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			n.Add(1)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
			return
		}
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><body><p>page</p></body></html>")
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRobotsStatusesAndCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("404 allows everything", func(t *testing.T) {
		srv, _ := robotsStatusServer(t, 404, "nope")
		_, err := newFetcher(t, web.Config{}).Fetch(ctx, srv.URL+"/x")
		require.NoError(t, err)
	})
	t.Run("503 disallows everything", func(t *testing.T) {
		srv, _ := robotsStatusServer(t, 503, "")
		_, err := newFetcher(t, web.Config{}).Fetch(ctx, srv.URL+"/x")
		require.ErrorIs(t, err, web.ErrDisallowedByRobots)
	})
	t.Run("fetched once per TTL, also concurrently", func(t *testing.T) {
		srv, n := robotsStatusServer(t, 200, "User-agent: *\nDisallow: /no\n")
		f := newFetcher(t, web.Config{RobotsTTL: 300 * time.Millisecond})
		var wg sync.WaitGroup
		for i := 0; i < 8; i++ {
			wg.Go(func() {
				_, err := f.Fetch(ctx, fmt.Sprintf("%s/p%d", srv.URL, i))
				assert.NoError(t, err)
			})
		}
		wg.Wait()
		assert.Equal(t, int32(1), n.Load())
		time.Sleep(350 * time.Millisecond)
		_, err := f.Fetch(ctx, srv.URL+"/no/x")
		require.ErrorIs(t, err, web.ErrDisallowedByRobots)
		assert.Equal(t, int32(2), n.Load(), "expired robots.txt fetched again")
	})
}
