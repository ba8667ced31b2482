package web

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// addrPolicy decides which resolved addresses the fetcher may connect to.
type addrPolicy struct {
	allowPrivate bool
	allowed      []netip.Prefix
}

// metadataAddrs are cloud instance-metadata endpoints; they are refused
// whatever the policy says.
var metadataAddrs = map[netip.Addr]string{
	netip.MustParseAddr("169.254.169.254"): "cloud metadata (AWS, GCP, Azure, OpenStack)",
	netip.MustParseAddr("169.254.170.2"):   "cloud metadata (AWS ECS task)",
	netip.MustParseAddr("169.254.169.253"): "cloud metadata (AWS DNS)",
	netip.MustParseAddr("169.254.169.123"): "cloud metadata (AWS time)",
	netip.MustParseAddr("100.100.100.200"): "cloud metadata (Alibaba)",
	netip.MustParseAddr("192.0.0.192"):     "cloud metadata (Oracle)",
	netip.MustParseAddr("fd00:ec2::254"):   "cloud metadata (AWS IPv6)",
	netip.MustParseAddr("fd00:ec2::23"):    "cloud metadata (AWS IPv6 DNS)",
}

type namedPrefix struct {
	prefix netip.Prefix
	reason string
}

// alwaysBlocked ranges are never useful to a crawler, even with AllowPrivate.
var alwaysBlocked = []namedPrefix{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified/this-network"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved/broadcast"},
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

// privateRanges are refused unless AllowPrivate is set or an allowed
// prefix covers the address.
var privateRanges = []namedPrefix{
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("10.0.0.0/8"), "private"},
	{netip.MustParsePrefix("172.16.0.0/12"), "private"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private"},
	{netip.MustParsePrefix("fc00::/7"), "private (ULA)"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("fec0::/10"), "site-local"},
	{netip.MustParsePrefix("100.64.0.0/10"), "carrier-grade NAT"},
	{netip.MustParsePrefix("192.0.0.0/24"), "IETF protocol assignments"},
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("100::/64"), "discard-only"},
}

var (
	nat64Prefix = netip.MustParsePrefix("64:ff9b::/96")
	sixToFour   = netip.MustParsePrefix("2002::/16")
)

// embeddedIPv4 returns the IPv4 address carried inside a NAT64 or 6to4
// IPv6 address, which would reach that IPv4 host.
func embeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	switch {
	case nat64Prefix.Contains(a):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
	case sixToFour.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	return netip.Addr{}, false
}

// check returns an error wrapping ErrBlockedAddress when a may not be dialled.
func (p addrPolicy) check(a netip.Addr) error {
	a = a.WithZone("").Unmap()
	if !a.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrBlockedAddress)
	}
	if v4, ok := embeddedIPv4(a); ok {
		if err := p.check(v4); err != nil {
			return fmt.Errorf("%w (embedded in %s)", err, a)
		}
	}
	if reason, ok := metadataAddrs[a]; ok {
		return fmt.Errorf("%w: %s is %s", ErrBlockedAddress, a, reason)
	}
	for _, np := range alwaysBlocked {
		if np.prefix.Contains(a) {
			return fmt.Errorf("%w: %s is %s", ErrBlockedAddress, a, np.reason)
		}
	}
	if p.allowPrivate {
		return nil
	}
	for _, pr := range p.allowed {
		if pr.Contains(a) {
			return nil
		}
	}
	for _, np := range privateRanges {
		if np.prefix.Contains(a) {
			return fmt.Errorf("%w: %s is %s", ErrBlockedAddress, a, np.reason)
		}
	}
	return nil
}

// checkHost refuses a URL host that is an IP literal the policy blocks, so
// a redirect to one is refused before any dial. Names pass; their resolved
// addresses are checked by control at dial time.
func (p addrPolicy) checkHost(hostname string) error {
	a, err := netip.ParseAddr(hostname)
	if err != nil {
		return nil
	}
	return p.check(a)
}

// control is a net.Dialer Control hook: it runs after DNS resolution, on
// the exact address about to be connected, so DNS rebinding cannot slip a
// private address past the guard.
func (p addrPolicy) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable dial address %q", ErrBlockedAddress, address)
	}
	if err := p.check(ap.Addr()); err != nil {
		return fmt.Errorf("dial %s %s: %w", network, address, err)
	}
	return nil
}

// newDialer returns a dialer whose every connection passes the policy.
func (p addrPolicy) newDialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second, Control: p.control}
}
