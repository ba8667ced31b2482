package httpapi

import (
	"context"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/kpbot/kpbot/auth"
)

// requestState is what the middleware learns about one request, shared
// through its context so the outer layers (access log, metrics) can read
// what inner layers (router, auth) found. One request, one goroutine.
type requestState struct {
	id           string
	clientIP     string
	userAgent    string
	route        string // the matched route pattern; "" when none matched
	principal    *auth.Principal
	bodyTooLarge bool // the body went over Config.MaxBodyBytes
	// bodyUnreadable: reading the body failed for another reason
	// (malformed chunked encoding, cut short, timed out).
	bodyUnreadable bool

	// rec and hdr live here so a request costs one allocation for all
	// three: the response recorder, and the values of the headers every
	// response carries (see setHeader).
	rec  recorder
	hdr  [8]string
	nhdr int
}

// setHeader sets h[key] to v, like h.Set, for a canonical key, taking the
// value's one-element slice from the request's own array instead of
// allocating one. Each slice is capped at its element, so an Add to the
// header copies rather than overwrites the next value.
func (st *requestState) setHeader(h http.Header, key, v string) {
	if st.nhdr == len(st.hdr) {
		h.Set(key, v)
		return
	}
	i := st.nhdr
	st.hdr[i] = v
	h[key] = st.hdr[i : i+1 : i+1]
	st.nhdr++
}

type stateKey struct{}

func withState(ctx context.Context, st *requestState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

func stateFrom(ctx context.Context) *requestState {
	st, _ := ctx.Value(stateKey{}).(*requestState)
	if st == nil {
		return &requestState{} // a handler called outside Server.ServeHTTP
	}
	return st
}

// RequestIDFrom returns the request id of the request ctx belongs to.
func RequestIDFrom(ctx context.Context) string { return stateFrom(ctx).id }

// ClientIPFrom returns the client IP of the request ctx belongs to, after
// the trusted-proxy rules.
func ClientIPFrom(ctx context.Context) string { return stateFrom(ctx).clientIP }

type principalKey struct{}

// clientInfo describes the request's client for the auth service. The
// user agent is cut to maxUserAgentRunes characters of valid UTF-8.
func clientInfo(ctx context.Context) auth.ClientInfo {
	st := stateFrom(ctx)
	ua := strings.ToValidUTF8(st.userAgent, "")
	if utf8.RuneCountInString(ua) > maxUserAgentRunes {
		ua = string([]rune(ua)[:maxUserAgentRunes])
	}
	return auth.ClientInfo{UserAgent: ua, IP: st.clientIP}
}

const maxUserAgentRunes = 256

// PrincipalFrom returns the authenticated caller of the request ctx belongs
// to; ok is false on routes that do not require a bearer token.
func PrincipalFrom(ctx context.Context) (*auth.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(*auth.Principal)
	return p, ok && p != nil
}

// WithPrincipal returns a context carrying p, for tests and for adapters
// that authenticate by other means (e.g. a WebSocket auth message).
func WithPrincipal(ctx context.Context, p *auth.Principal) context.Context {
	stateFrom(ctx).principal = p
	return context.WithValue(ctx, principalKey{}, p)
}
