package web

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestAddrPolicy(t *testing.T) {
	t.Parallel()
	strict := addrPolicy{}
	lax := addrPolicy{allowPrivate: true}
	listed := addrPolicy{allowed: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}}
	cases := []struct {
		addr                   string
		strict, lax, allowList bool // true = allowed
	}{
		{"93.184.216.34", true, true, true},
		{"2606:4700::1111", true, true, true},
		{"127.0.0.1", false, true, false},
		{"127.9.9.9", false, true, false},
		{"::1", false, true, false},
		{"10.0.0.1", false, true, false},
		{"10.20.3.4", false, true, true},
		{"172.16.5.5", false, true, false},
		{"172.32.0.1", true, true, true},
		{"192.168.1.1", false, true, false},
		{"100.64.0.1", false, true, false},
		{"169.254.1.1", false, true, false},
		{"fe80::1", false, true, false},
		{"fc00::1", false, true, false},
		{"::ffff:127.0.0.1", false, true, false},
		{"::ffff:10.20.3.4", false, true, true},
		{"64:ff9b::a00:1", false, true, false},     // NAT64 of 10.0.0.1
		{"2002:a9fe:a9fe::1", false, false, false}, // 6to4 of 169.254.169.254
		{"169.254.169.254", false, false, false},
		{"fd00:ec2::254", false, false, false},
		{"100.100.100.200", false, false, false},
		{"192.0.0.192", false, false, false},
		{"0.0.0.0", false, false, false},
		{"::", false, false, false},
		{"224.0.0.1", false, false, false},
		{"ff02::1", false, false, false},
		{"255.255.255.255", false, false, false},
	}
	for _, tc := range cases {
		a := netip.MustParseAddr(tc.addr)
		assert.Equal(t, tc.strict, strict.check(a) == nil, "strict %s", tc.addr)
		assert.Equal(t, tc.lax, lax.check(a) == nil, "AllowPrivate %s", tc.addr)
		assert.Equal(t, tc.allowList, listed.check(a) == nil, "allow-list %s", tc.addr)
		if err := strict.check(a); err != nil {
			assert.ErrorIs(t, err, ErrBlockedAddress)
		}
	}
	assert.ErrorIs(t, strict.control("tcp", "127.0.0.1:80", nil), ErrBlockedAddress)
	assert.ErrorIs(t, strict.control("tcp", "[fe80::1%eth0]:80", nil), ErrBlockedAddress)
	assert.NoError(t, strict.control("tcp", "93.184.216.34:443", nil))
	assert.NoError(t, strict.checkHost("example.com"), "names are checked at dial time")
}

func TestConfigDefaults(t *testing.T) {
	t.Parallel()
	c := Config{}.withDefaults()
	assert.Equal(t, DefaultUserAgent, c.UserAgent)
	assert.Equal(t, DefaultTimeout, c.Timeout)
	assert.Equal(t, int64(DefaultMaxBodyBytes), c.MaxBodyBytes)
	assert.Equal(t, DefaultMaxRedirects, c.MaxRedirects)
	assert.Equal(t, DefaultPerHostDelay, c.PerHostDelay)
	assert.Equal(t, DefaultRobotsTTL, c.RobotsTTL)
	assert.Zero(t, Config{PerHostDelay: NoDelay}.withDefaults().PerHostDelay)
	assert.Zero(t, Config{MaxRedirects: -1}.withDefaults().MaxRedirects)
	assert.Equal(t, "kpbotbot", productToken(DefaultUserAgent))
	assert.Error(t, Config{Timeout: -1}.Validate())
	_, err := NewFetcher(Config{MaxBodyBytes: -5})
	assert.Error(t, err)
}
