package main

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// checkLoopbackURL accepts an http(s) base URL on a loopback host and
// returns it without a trailing slash.
func checkLoopbackURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("url %q: %w", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("url %q: must be http:// or https://", raw)
	}
	if !isLoopbackHost(u.Hostname()) {
		return "", fmt.Errorf("refusing %q: host %q is not a loopback address (127.0.0.0/8, ::1, localhost); repomockload only sends traffic to this machine", raw, u.Hostname())
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("url %q: give a base URL, without credentials, query or fragment", raw)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Zone() == "" && ip.Unmap().IsLoopback()
}

// loopbackOnly is the dialer's last check, after name resolution: a
// connection to anything but a loopback address is never opened.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().Unmap().IsLoopback() {
		return fmt.Errorf("repomockload: refusing to connect to %s (%s): not a loopback address", address, network)
	}
	return nil
}

// newClient is the HTTP client of one run (warm-up and measurement share
// its connections): at most conns connections, kept alive, loopback only,
// no proxy, no redirects.
func newClient(conns int) *http.Client {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: loopbackOnly}
	return &http.Client{
		Timeout: requestTimeout,
		Transport: &http.Transport{
			Proxy:               nil,
			DialContext:         dialer.DialContext,
			MaxIdleConns:        conns,
			MaxIdleConnsPerHost: conns,
			MaxConnsPerHost:     conns,
			IdleConnTimeout:     time.Minute,
			// No Accept-Encoding: gzip. Endor compresses its answers when asked
			// (as the vendor does), which the bare baseline never does; the
			// harness measures validation, so it asks neither.
			DisableCompression: true,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
