package web_test

import (
	"context"
	"errors"
	"io"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kpbot/kpbot/agents/web"
	"github.com/kpbot/kpbot/agents/web/webtest"
)

// newFetcher returns a fetcher that may reach the loopback corpus, with no
// delay unless cfg sets one.
func newFetcher(t *testing.T, cfg web.Config, opts ...web.Option) *web.Fetcher {
	t.Helper()
	if cfg.PerHostDelay == 0 {
		cfg.PerHostDelay = web.NoDelay
	}
	if !cfg.AllowPrivate && len(opts) == 0 {
		cfg.AllowPrivate = true
	}
	f, err := web.NewFetcher(cfg, opts...)
	require.NoError(t, err)
	return f
}

func TestFetchPage(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	f := newFetcher(t, web.Config{})
	post := c.Posts()[0]

	require.True(t, strings.HasSuffix(post.URL, "/"), "a WordPress-style post")
	slashless := strings.TrimSuffix(post.URL, "/")
	page, err := f.Fetch(context.Background(), slashless)
	require.NoError(t, err)
	assert.Equal(t, slashless, page.URL)
	assert.Equal(t, post.URL, page.FinalURL, "WordPress-style slash redirect followed")
	assert.Equal(t, 200, page.Status)
	assert.Contains(t, page.ContentType, "text/html")
	assert.Contains(t, string(page.Body), post.Title)
	assert.False(t, page.FetchedAt.IsZero())

	var ua string
	for _, r := range c.Requests() {
		if r.Site == post.Site {
			ua = r.UserAgent
		}
	}
	assert.Equal(t, web.DefaultUserAgent, ua, "honest User-Agent sent")
	assert.Equal(t, 1, c.Hits(c.Site(post.Site).URL+"/robots.txt"), "robots.txt read once")
}

func TestFetchRobotsDisallowed(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	f := newFetcher(t, web.Config{})
	disallowed := c.DisallowedURLs()
	require.NotEmpty(t, disallowed)

	for _, u := range disallowed {
		_, err := f.Fetch(context.Background(), u)
		require.ErrorIs(t, err, web.ErrDisallowedByRobots)
		ok, err := f.Allowed(context.Background(), u)
		require.NoError(t, err)
		assert.False(t, ok)
	}
	assert.Zero(t, c.DisallowedHits(), "a disallowed path was requested")
	ok, err := f.Allowed(context.Background(), c.RelevantURLs()[0])
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestFetchErrors(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t, webtest.WithSlowDelay(5*time.Second), webtest.WithHugeBytes(32<<20))
	f := newFetcher(t, web.Config{Timeout: 300 * time.Millisecond, MaxBodyBytes: 256 << 10, MaxRedirects: 3})
	ctx := context.Background()

	t.Run("slow page times out", func(t *testing.T) {
		start := time.Now()
		_, err := f.Fetch(ctx, c.SlowURL())
		require.ErrorIs(t, err, web.ErrTimeout)
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "/slow")
		assert.Less(t, time.Since(start), 3*time.Second)
	})
	t.Run("huge page refused without reading it all", func(t *testing.T) {
		_, err := f.Fetch(ctx, c.HugeURL())
		require.ErrorIs(t, err, web.ErrTooLarge)
		require.Eventually(t, func() bool { _, done := c.HugeWritten(); return done }, 5*time.Second, 10*time.Millisecond)
		written, _ := c.HugeWritten()
		assert.Less(t, written, c.HugeBytes(), "the client read the whole huge body")
	})
	t.Run("declared huge page refused from its header", func(t *testing.T) {
		_, err := f.Fetch(ctx, c.HugeDeclaredURL())
		require.ErrorIs(t, err, web.ErrTooLarge)
		assert.Contains(t, err.Error(), "Content-Length")
	})
	t.Run("content type", func(t *testing.T) {
		_, err := f.Fetch(ctx, c.ImageURL())
		require.ErrorIs(t, err, web.ErrUnsupportedContentType)
		page, err := f.Fetch(ctx, c.ImageURL(), "image/*")
		require.NoError(t, err)
		assert.Equal(t, "image/png", page.ContentType)
	})
	t.Run("redirect loop capped", func(t *testing.T) {
		_, err := f.Fetch(ctx, c.RedirectLoopURL())
		require.ErrorIs(t, err, web.ErrTooManyRedirects)
		assert.Equal(t, 4, countPrefix(c, "traps", "/loop/"), "first request plus 3 redirects")
	})
	t.Run("http error", func(t *testing.T) {
		_, err := f.Fetch(ctx, c.OKURL()+"-missing")
		var he *web.HTTPError
		require.ErrorAs(t, err, &he)
		assert.Equal(t, 404, he.Status)
	})
	t.Run("schemes", func(t *testing.T) {
		for _, u := range []string{"ftp://example.com/x", "file:///etc/passwd", "gopher://x", "javascript:alert(1)"} {
			_, err := f.Fetch(ctx, u)
			assert.ErrorIs(t, err, web.ErrUnsupportedScheme, u)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err := f.Fetch(cctx, c.OKURL())
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, web.ErrTimeout)
	})
}

func countPrefix(c *webtest.Corpus, site, prefix string) int { return c.HitsUnder(site, prefix) }

func TestFetchSSRF(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	ctx := context.Background()

	t.Run("loopback refused by default", func(t *testing.T) {
		f, err := web.NewFetcher(web.Config{PerHostDelay: web.NoDelay})
		require.NoError(t, err)
		before := c.TotalRequests()
		_, err = f.Fetch(ctx, c.OKURL())
		require.ErrorIs(t, err, web.ErrBlockedAddress)
		// "localhost" is a name: it is refused after resolution, at dial time.
		_, err = f.Fetch(ctx, strings.Replace(c.OKURL(), "127.0.0.1", "localhost", 1))
		require.ErrorIs(t, err, web.ErrBlockedAddress)
		for _, u := range []string{"http://10.1.2.3/", "http://[::1]/", "http://100.64.0.1/", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/"} {
			_, err = f.Fetch(ctx, u)
			assert.ErrorIs(t, err, web.ErrBlockedAddress, u)
		}
		assert.Equal(t, before, c.TotalRequests(), "no request reached the corpus")
	})
	t.Run("redirect to private refused", func(t *testing.T) {
		// Loopback allowed only so the trap server is reachable.
		f := newFetcher(t, web.Config{Timeout: 10 * time.Second}, web.WithAllowedPrefixes(netip.MustParsePrefix("127.0.0.1/32")))
		start := time.Now()
		_, err := f.Fetch(ctx, c.PrivateRedirectURL())
		require.ErrorIs(t, err, web.ErrBlockedAddress)
		assert.Contains(t, err.Error(), "10.0.0.1")
		assert.Less(t, time.Since(start), 5*time.Second, "refused before any dial, not after a connect timeout")
		_, err = f.Fetch(ctx, c.MetadataRedirectURL())
		require.ErrorIs(t, err, web.ErrBlockedAddress)
	})
	t.Run("metadata refused even with AllowPrivate", func(t *testing.T) {
		f := newFetcher(t, web.Config{AllowPrivate: true, Timeout: 10 * time.Second})
		start := time.Now()
		_, err := f.Fetch(ctx, c.MetadataRedirectURL())
		require.ErrorIs(t, err, web.ErrBlockedAddress)
		assert.Contains(t, err.Error(), "169.254.169.254")
		assert.Less(t, time.Since(start), 5*time.Second)
		_, err = f.Fetch(ctx, "http://[fd00:ec2::254]/latest/")
		require.ErrorIs(t, err, web.ErrBlockedAddress)
		// AllowPrivate does let the corpus through.
		_, err = f.Fetch(ctx, c.OKURL())
		require.NoError(t, err)
	})
}

func TestPoliteness(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t)
	const delay = 120 * time.Millisecond
	f := newFetcher(t, web.Config{PerHostDelay: delay})
	ctx := context.Background()

	var urls []string
	hosts := map[string]bool{}
	for _, name := range []string{"pgnotes", "gopherlog", "queryplans"} {
		site := c.Site(name)
		hosts[strings.TrimPrefix(site.URL, "http://")] = true
		for _, p := range c.Posts() {
			if p.Site == name && !p.Disallowed && len(urls) < 4*len(hosts) {
				urls = append(urls, p.URL)
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, len(urls))
	for _, u := range urls {
		wg.Go(func() {
			if _, err := f.Fetch(ctx, u); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	byHost := map[string][]time.Time{}
	for _, r := range c.Requests() {
		byHost[r.Host] = append(byHost[r.Host], r.At)
	}
	require.Len(t, byHost, 3)
	for host, times := range byHost {
		require.GreaterOrEqual(t, len(times), 5, host)
		for i := 1; i < len(times); i++ {
			gap := times[i].Sub(times[i-1])
			assert.GreaterOrEqual(t, gap, delay, "%s: requests %d and %d only %s apart", host, i-1, i, gap)
		}
	}
	// Different hosts ran side by side: each host's first request came
	// before every other host's last one.
	for a, ta := range byHost {
		for b, tb := range byHost {
			if a != b {
				assert.True(t, ta[0].Before(tb[len(tb)-1]), "%s waited for %s", a, b)
			}
		}
	}
}

func TestCrawlDelayRaisesPerHostDelay(t *testing.T) {
	t.Parallel()
	srv := newRobotsServer(t, "User-agent: kpbotbot\nCrawl-delay: 1\nDisallow: /private\n\nUser-agent: *\nDisallow: /\n")
	f := newFetcher(t, web.Config{})
	ctx := context.Background()
	_, err := f.Fetch(ctx, srv.URL+"/a")
	require.NoError(t, err, "our own group allows /a although * disallows everything")
	start := time.Now()
	_, err = f.Fetch(ctx, srv.URL+"/b")
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), 900*time.Millisecond, "Crawl-delay: 1 honoured")
	_, err = f.Fetch(ctx, srv.URL+"/private/x")
	require.True(t, errors.Is(err, web.ErrDisallowedByRobots), "got %v", err)
}

func TestStream(t *testing.T) {
	t.Parallel()
	c := webtest.NewCorpus(t, webtest.WithHugeBytes(32<<20))
	f := newFetcher(t, web.Config{MaxBodyBytes: 256 << 10})
	ctx := context.Background()
	post := c.Posts()[0]

	t.Run("body arrives as a reader", func(t *testing.T) {
		var got []byte
		err := f.Stream(ctx, post.URL, nil, func(p *web.Page, body io.Reader) error {
			assert.Nil(t, p.Body)
			assert.True(t, strings.HasPrefix(p.FinalURL, post.URL), p.FinalURL)
			assert.Contains(t, p.ContentType, "text/html")
			var err error
			got, err = io.ReadAll(body)
			return err
		})
		require.NoError(t, err)
		page, err := f.Fetch(ctx, post.URL)
		require.NoError(t, err)
		assert.Equal(t, page.Body, got)
	})
	t.Run("reading past the cap fails", func(t *testing.T) {
		var read int64
		err := f.Stream(ctx, c.HugeURL(), nil, func(_ *web.Page, body io.Reader) error {
			n, err := io.Copy(io.Discard, body)
			read = n
			return err
		})
		require.ErrorIs(t, err, web.ErrTooLarge)
		assert.Equal(t, int64(256<<10), read)
	})
	t.Run("stopping early is not an error", func(t *testing.T) {
		err := f.Stream(ctx, c.HugeURL(), nil, func(_ *web.Page, body io.Reader) error {
			_, err := io.CopyN(io.Discard, body, 1024)
			return err
		})
		require.NoError(t, err)
	})
	t.Run("the reader's error is returned with the URL", func(t *testing.T) {
		boom := errors.New("boom")
		err := f.Stream(ctx, post.URL, nil, func(*web.Page, io.Reader) error { return boom })
		require.ErrorIs(t, err, boom)
		assert.Contains(t, err.Error(), post.URL)
	})
	t.Run("errors before the body", func(t *testing.T) {
		called := false
		read := func(*web.Page, io.Reader) error { called = true; return nil }
		require.ErrorIs(t, f.Stream(ctx, c.ImageURL(), nil, read), web.ErrUnsupportedContentType)
		var he *web.HTTPError
		require.ErrorAs(t, f.Stream(ctx, c.OKURL()+"-missing", nil, read), &he)
		assert.Equal(t, 404, he.Status)
		require.ErrorIs(t, f.Stream(ctx, c.HugeDeclaredURL(), nil, read), web.ErrTooLarge)
		assert.False(t, called, "read was called for a response that failed")
	})
}
