package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
)

// TestFailureReason fetches from a server that fails in every way a blog
// can and checks each failure is named for its cause.
func TestFailureReason(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
		case "/gone":
			w.WriteHeader(http.StatusGone)
		case "/forbidden":
			w.WriteHeader(http.StatusForbidden)
		case "/busy":
			w.WriteHeader(http.StatusTooManyRequests)
		case "/broken":
			w.WriteHeader(http.StatusBadGateway)
		case "/teapot":
			w.WriteHeader(http.StatusTeapot)
		case "/slow":
			<-r.Context().Done()
		case "/big":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, strings.Repeat("<p>big</p>", 1000))
		case "/image":
			w.Header().Set("Content-Type", "image/png")
			fmt.Fprint(w, "\x89PNG")
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	f := newFetcher(t, web.Config{Timeout: 10 * time.Second, MaxBodyBytes: 2000})
	// Only /slow meets the short timeout: a loaded machine must not turn
	// the other answers into timeouts.
	impatient := newFetcher(t, web.Config{Timeout: 200 * time.Millisecond})
	cases := map[string]string{
		"/private/post": web.ReasonRobots,
		"/missing":      web.ReasonNotFound,
		"/gone":         web.ReasonNotFound,
		"/forbidden":    web.ReasonForbidden,
		"/busy":         web.ReasonRateLimited,
		"/broken":       web.ReasonServerError,
		"/teapot":       web.ReasonHTTPStatus,
		"/big":          web.ReasonTooLarge,
		"/image":        web.ReasonContentType,
		"/loop":         web.ReasonRedirects,
	}
	for p, want := range cases {
		_, err := f.Fetch(context.Background(), srv.URL+p)
		require.Error(t, err, p)
		assert.Equal(t, want, web.FailureReason(err), "%s: %v", p, err)
	}

	_, err := impatient.Fetch(context.Background(), srv.URL+"/slow")
	assert.Equal(t, web.ReasonTimeout, web.FailureReason(err), "%v", err)

	guarded, err := web.NewFetcher(web.Config{PerHostDelay: web.NoDelay})
	require.NoError(t, err)
	_, err = guarded.Fetch(context.Background(), srv.URL+"/post")
	assert.Equal(t, web.ReasonBlocked, web.FailureReason(err), "loopback refused by the address guard: %v", err)
	_, err = f.Fetch(context.Background(), "ftp://example.com/x")
	assert.Equal(t, web.ReasonScheme, web.FailureReason(err))
	_, err = f.Fetch(context.Background(), "http://127.0.0.1:1/")
	assert.Equal(t, web.ReasonNetwork, web.FailureReason(err), "connection refused: %v", err)
	_, err = web.Extract("https://example.com/p", []byte("<html><body></body></html>"))
	assert.Equal(t, web.ReasonNoContent, web.FailureReason(err))
	assert.Equal(t, "", web.FailureReason(nil))
	assert.Equal(t, web.ReasonNotFound, web.FailureReason(fmt.Errorf("wrapped: %w", &web.HTTPError{Status: 404})))
	assert.Equal(t, web.ReasonNetwork, web.FailureReason(errors.New("dns")))
}
