package httpapi

import (
	"net/http"
	"net/netip"
	"strings"
)

// clientIP returns the address of the client: the socket peer, unless the
// peer is a trusted proxy, in which case the right-most X-Forwarded-For
// entry that is not itself a trusted proxy. Entries left of an untrusted
// one are never believed: a client can write anything there.
func (s *Server) clientIP(r *http.Request) string {
	peer, ok := peerAddr(r.RemoteAddr)
	if !ok {
		return r.RemoteAddr
	}
	if !s.trusted(peer) {
		return addrText(peer, r.RemoteAddr)
	}
	hops := forwardedFor(r.Header.Values("X-Forwarded-For"))
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		ip, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a garbled hop: stop at the last address we could trust
		}
		client = ip.Unmap()
		if !s.trusted(client) {
			break
		}
	}
	return client.String()
}

func (s *Server) trusted(ip netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

func peerAddr(remote string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(remote); err == nil {
		return ap.Addr().Unmap(), true
	}
	if ip, err := netip.ParseAddr(remote); err == nil {
		return ip.Unmap(), true
	}
	return netip.Addr{}, false
}

// forwardedFor splits every X-Forwarded-For header line into its hops,
// in order.
func forwardedFor(lines []string) []string {
	var hops []string
	for _, l := range lines {
		for h := range strings.SplitSeq(l, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	return hops
}

// addrText is ip.String(), reusing the host part of remote ("host:port",
// "[host]:port" or "host") when that already is ip's text, which spares
// an allocation per request.
func addrText(ip netip.Addr, remote string) string {
	host := remote
	if i := strings.LastIndexByte(remote, ':'); i > 0 && strings.Count(remote, ":") == 1 {
		host = remote[:i] // IPv4 host:port
	} else if strings.HasPrefix(remote, "[") {
		if j := strings.IndexByte(remote, ']'); j > 0 {
			host = remote[1:j]
		}
	}
	var buf [64]byte
	if string(ip.AppendTo(buf[:0])) == host {
		return host
	}
	return ip.String()
}
