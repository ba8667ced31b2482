package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// healthcheck is `server healthcheck [url]`: it GETs url (by default
// /readyz on the port of KPBOT_ADDR, or 8080, on 127.0.0.1) and returns
// exit code 0 on 200 and 1 otherwise, so a container image without curl
// can have a HEALTHCHECK.
func healthcheck(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	url := ""
	switch len(args) {
	case 0:
		port := "8080"
		if addr := getenv("KPBOT_ADDR"); addr != "" {
			if _, p, err := net.SplitHostPort(addr); err == nil && p != "" {
				port = p
			}
		}
		url = "http://127.0.0.1:" + port + "/readyz"
	case 1:
		url = args[0]
	default:
		fmt.Fprintln(stderr, "kpbot healthcheck: usage: server healthcheck [url]")
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(stderr, "kpbot healthcheck: %v\n", err)
		return 2
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(stderr, "kpbot healthcheck: %v\n", err)
		return 1
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(stderr, "kpbot healthcheck: %s answered %d\n", url, resp.StatusCode)
		return 1
	}
	return 0
}
