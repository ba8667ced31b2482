package httpapi

import (
	"net/http"
	"net/netip"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestNewRequestIDIsAVersion4UUID(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		id := newRequestID()
		assert.Regexp(t, re, id)
		assert.False(t, seen[id], "ids repeat")
		seen[id] = true
	}
}

func TestAddrTextMatchesString(t *testing.T) {
	t.Parallel()
	for _, remote := range []string{
		"192.0.2.7:4000", "[2001:db8::1]:443", "[::ffff:192.0.2.7]:80", "192.0.2.7",
		"[2001:DB8::1]:443", "[2001:db8:0::1]:1", "[fe80::1%eth0]:80",
	} {
		peer, ok := peerAddr(remote)
		if !assert.True(t, ok, remote) {
			continue
		}
		assert.Equal(t, peer.String(), addrText(peer, remote), remote)
	}
	assert.Equal(t, "10.0.0.1", addrText(netip.MustParseAddr("10.0.0.1"), "garbage"))
}

func TestSetHeaderSlicesDoNotOverlap(t *testing.T) {
	t.Parallel()
	st := &requestState{}
	h := http.Header{}
	st.setHeader(h, "A", "1")
	st.setHeader(h, "B", "2")
	h.Add("A", "1b")
	assert.Equal(t, []string{"1", "1b"}, h["A"])
	assert.Equal(t, []string{"2"}, h["B"], "an Add to one header leaves the next alone")
	for i := range 10 {
		st.setHeader(h, "C"+string(rune('a'+i)), "x")
	}
	assert.Len(t, h, 12, "past the array it falls back to Set")
}
