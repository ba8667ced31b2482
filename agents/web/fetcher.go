package web

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Page is one fetched response body.
type Page struct {
	// URL is the URL that was asked for.
	URL string
	// FinalURL is the URL that answered, after redirects.
	FinalURL string
	// Status is the HTTP status code of the final response.
	Status int
	// ContentType is the final response's Content-Type header (sniffed
	// from the body when missing).
	ContentType string
	// Body is the response body, at most Config.MaxBodyBytes long.
	Body []byte
	// FetchedAt is when the final response arrived.
	FetchedAt time.Time
}

// htmlTypes are the media types Fetch accepts when none are given.
var htmlTypes = []string{"text/html", "application/xhtml+xml"}

// Fetcher fetches web pages politely and safely. It is safe for concurrent
// use; create one per process (or per crew) so politeness spans all callers.
type Fetcher struct {
	cfg    Config
	policy addrPolicy
	client *http.Client
	gate   *hostGate
	robots *robotsCache
	agent  string
}

// NewFetcher returns a Fetcher for cfg (zero fields take defaults).
func NewFetcher(cfg Config, opts ...Option) (*Fetcher, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	policy := addrPolicy{allowPrivate: cfg.AllowPrivate, allowed: o.allowed}
	var tr *http.Transport
	if o.transport != nil {
		tr = o.transport.Clone()
	} else {
		tr = &http.Transport{
			ForceAttemptHTTP2:      true,
			MaxIdleConns:           64,
			MaxIdleConnsPerHost:    2,
			IdleConnTimeout:        90 * time.Second,
			TLSHandshakeTimeout:    10 * time.Second,
			ExpectContinueTimeout:  time.Second,
			MaxResponseHeaderBytes: 64 << 10,
		}
	}
	// Never through a proxy (the guard would check the proxy, not the
	// target) and never with a dialer that bypasses the guard.
	tr.Proxy = nil
	tr.DialContext = policy.newDialer(cfg.Timeout).DialContext
	tr.DialTLSContext = nil
	tr.ResponseHeaderTimeout = cfg.Timeout
	return &Fetcher{
		cfg:    cfg,
		policy: policy,
		client: &http.Client{
			Transport: tr,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		gate:   newHostGate(),
		robots: newRobotsCache(),
		agent:  productToken(cfg.UserAgent),
	}, nil
}

// Config returns the effective configuration, defaults filled in.
func (f *Fetcher) Config() Config { return f.cfg }

// Fetch GETs rawURL and returns its body. accept lists the media types
// wanted ("text/html", "application/*", "*/*"); none means HTML. Every hop
// (the URL and each redirect) is checked against robots.txt and the
// address guard and waits for its host's turn. Errors wrap
// ErrDisallowedByRobots, ErrBlockedAddress, ErrTooLarge,
// ErrUnsupportedContentType, ErrTooManyRedirects, ErrUnsupportedScheme or
// ErrTimeout, or are an *HTTPError for a final status outside 2xx.
func (f *Fetcher) Fetch(ctx context.Context, rawURL string, accept ...string) (*Page, error) {
	if len(accept) == 0 {
		accept = htmlTypes
	}
	page, err := f.get(ctx, rawURL, accept, fetchOpts{})
	if err != nil {
		return nil, err
	}
	if page.Status < 200 || page.Status > 299 {
		return nil, &HTTPError{Status: page.Status, URL: page.FinalURL}
	}
	return page, nil
}

// Stream GETs rawURL like Fetch, but hands the body to read as it arrives
// instead of keeping it: memory stays bounded however long the document.
// The page given to read has no Body. The host's turn is held until read
// returns, and reading past MaxBodyBytes fails with ErrTooLarge. Errors are
// Fetch's, or read's own wrapped with the URL.
func (f *Fetcher) Stream(ctx context.Context, rawURL string, accept []string, read func(p *Page, body io.Reader) error) error {
	if len(accept) == 0 {
		accept = htmlTypes
	}
	page, err := f.get(ctx, rawURL, accept, fetchOpts{stream: read})
	if err != nil {
		return err
	}
	if page.Status < 200 || page.Status > 299 {
		return &HTTPError{Status: page.Status, URL: page.FinalURL}
	}
	return nil
}

// fetchOpts varies get for internal uses.
type fetchOpts struct {
	skipRobots bool // fetching robots.txt itself
	truncate   bool // keep the first MaxBodyBytes instead of failing
	maxBytes   int64
	// stream, when set, reads a 2xx body in place of keeping it.
	stream func(p *Page, body io.Reader) error
}

// get runs the hop loop and returns the final response of any status.
func (f *Fetcher) get(ctx context.Context, rawURL string, accept []string, o fetchOpts) (*Page, error) {
	u, err := parseHTTPURL(rawURL)
	if err != nil {
		return nil, err
	}
	for hop := 0; ; hop++ {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", u, err)
		}
		if err := f.policy.checkHost(u.Hostname()); err != nil {
			return nil, fmt.Errorf("fetch %s: %w", u, err)
		}
		delay := f.cfg.PerHostDelay
		if !o.skipRobots {
			rules, err := f.robotsFor(ctx, u)
			if err != nil {
				return nil, fmt.Errorf("fetch %s: %w", u, err)
			}
			if !rules.allowed(u) {
				return nil, fmt.Errorf("fetch %s: %w", u, ErrDisallowedByRobots)
			}
			delay = max(delay, rules.crawlDelay)
		}
		page, next, err := f.hop(ctx, u, accept, delay, o)
		if err != nil {
			return nil, err
		}
		if next == nil {
			page.URL = rawURL
			return page, nil
		}
		if hop >= f.cfg.MaxRedirects {
			return nil, fmt.Errorf("fetch %s: %w (limit %d)", rawURL, ErrTooManyRedirects, f.cfg.MaxRedirects)
		}
		u = next
	}
}

// hop makes one request to u in its host's turn. It returns either the
// page, or the redirect target in next.
func (f *Fetcher) hop(ctx context.Context, u *url.URL, accept []string, delay time.Duration, o fetchOpts) (page *Page, next *url.URL, err error) {
	release, err := f.gate.acquire(ctx, hostKey(u), delay)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch %s: wait for host turn: %w", u, err)
	}
	defer release()

	rctx, cancel := context.WithTimeout(ctx, f.cfg.Timeout)
	defer cancel()
	defer func() { err = f.classify(ctx, rctx, u, err) }()

	req, err := http.NewRequestWithContext(rctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("User-Agent", f.cfg.UserAgent)
	req.Header.Set("Accept", strings.Join(accept, ", ")+", */*;q=0.1")
	resp, err := f.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()

	if isRedirect(resp.StatusCode) {
		loc := resp.Header.Get("Location")
		_, _ = io.CopyN(io.Discard, resp.Body, 4<<10)
		if loc == "" {
			return nil, nil, &HTTPError{Status: resp.StatusCode, URL: u.String()}
		}
		target, err := u.Parse(loc)
		if err != nil {
			return nil, nil, fmt.Errorf("bad redirect location %q: %w", loc, err)
		}
		target, err = parseHTTPURL(target.String())
		if err != nil {
			return nil, nil, fmt.Errorf("redirect: %w", err)
		}
		return nil, target, nil
	}

	ct := resp.Header.Get("Content-Type")
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode <= 299
	if ok2xx && ct != "" && !acceptable(mediaType(ct), accept) {
		return nil, nil, fmt.Errorf("%w: %q (want %s)", ErrUnsupportedContentType, mediaType(ct), strings.Join(accept, ", "))
	}
	limit := f.cfg.MaxBodyBytes
	if o.maxBytes > 0 {
		limit = min(limit, o.maxBytes)
	}
	if resp.ContentLength > limit && !o.truncate {
		return nil, nil, fmt.Errorf("%w: Content-Length %d over %d", ErrTooLarge, resp.ContentLength, limit)
	}
	if o.stream != nil && ok2xx {
		br := bufio.NewReader(&cappedReader{r: resp.Body, left: limit})
		if ct == "" {
			head, _ := br.Peek(512)
			ct = sniffType(head)
			if !acceptable(mediaType(ct), accept) {
				return nil, nil, fmt.Errorf("%w: sniffed %q (want %s)", ErrUnsupportedContentType, mediaType(ct), strings.Join(accept, ", "))
			}
		}
		page := &Page{FinalURL: u.String(), Status: resp.StatusCode, ContentType: ct, FetchedAt: time.Now()}
		if err := o.stream(page, br); err != nil {
			return nil, nil, err
		}
		return page, nil, nil
	}
	body, err := readCapped(resp.Body, limit, resp.ContentLength, o.truncate)
	if err != nil {
		return nil, nil, err
	}
	if ct == "" {
		ct = sniffType(body)
		if ok2xx && !acceptable(mediaType(ct), accept) {
			return nil, nil, fmt.Errorf("%w: sniffed %q (want %s)", ErrUnsupportedContentType, mediaType(ct), strings.Join(accept, ", "))
		}
	}
	return &Page{
		FinalURL:    u.String(),
		Status:      resp.StatusCode,
		ContentType: ct,
		Body:        body,
		FetchedAt:   time.Now(),
	}, nil, nil
}

// classify wraps a hop error with the URL and turns a per-request deadline
// into ErrTimeout.
func (f *Fetcher) classify(ctx, rctx context.Context, u *url.URL, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() == nil && errors.Is(rctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("fetch %s: %w after %s: %w", u, ErrTimeout, f.cfg.Timeout, context.DeadlineExceeded)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && ctx.Err() == nil {
		return fmt.Errorf("fetch %s: %w: %w", u, ErrTimeout, err)
	}
	return fmt.Errorf("fetch %s: %w", u, err)
}

func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// parseHTTPURL parses an absolute http(s) URL and drops its fragment.
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("parse URL %q: %w", raw, err)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedScheme, raw)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("parse URL %q: no host", raw)
	}
	u.Fragment, u.RawFragment = "", ""
	u.User = nil
	return u, nil
}

// hostKey names a politeness slot: lower-case host and effective port, so
// two servers on one IP but different ports are different hosts.
func hostKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = defaultPort(u.Scheme)
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

func defaultPort(scheme string) string {
	if scheme == "https" {
		return "443"
	}
	return "80"
}

// productToken is the robots.txt agent name: the User-Agent's first word
// without its version.
func productToken(ua string) string {
	tok, _, _ := strings.Cut(strings.TrimSpace(ua), " ")
	tok, _, _ = strings.Cut(tok, "/")
	return strings.ToLower(tok)
}
