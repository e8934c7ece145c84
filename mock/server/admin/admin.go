// Package admin is what every part of the admin API (/__admin) and the
// console shares: the prefix, the one error body ({"message": …}), and the
// checks in front of them: the admin token, cross-origin writes, and the
// Host names they answer to. The parts themselves (the journal, the
// faults, the console, the server's reset and sessions) register their
// routes on the group Group returns.
package admin

import (
	"crypto/subtle"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// Prefix starts every path of the admin API.
const Prefix = "/__admin"

// Error is the body of every error of the admin API and of a path no
// vendor owns: {"message": …}, with its status.
type Error struct {
	Status  int    `json:"-"`
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// StatusCode is the HTTP status of the answer.
func (e *Error) StatusCode() int { return e.Status }

// Clip keeps a client's value short enough to quote in a message.
func Clip(s string) string {
	if len(s) > 70 {
		return s[:70] + "…"
	}
	return s
}

// Group adds the admin API's group to e: every route on it but those the
// caller adds outside it (health, the console's page) requires the Host to
// name this server (hosts), refuses a cross-origin write, and requires the
// admin token when there is one.
func Group(e *echo.Echo, hosts Hosts, token string) *echo.Group {
	return e.Group(Prefix, HostCheck(hosts), tokenCheck(token))
}

// TokenHeader carries the admin token, when the server has one. Every
// /__admin route but health requires it then.
const TokenHeader = "X-Repomock-Admin-Token"

// tokenCheck refuses a cross-origin write and requires the admin token,
// when there is one.
//
// A browser sends a form or fetch POST from any site to 127.0.0.1 and
// blocks only the answer, so without the cross-origin check a page the
// developer happens to visit could reset the mock or inject faults.
// net/http's CrossOriginProtection refuses a non-GET request that a
// browser marks as cross-site (Sec-Fetch-Site, or an Origin other than the
// Host); curl, SDKs and the console's own same-origin calls send neither.
func tokenCheck(token string) echo.MiddlewareFunc {
	crossOrigin := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := crossOrigin.Check(c.Request()); err != nil {
				return &Error{Status: http.StatusForbidden, Message: "cross-origin request refused (" + err.Error() + "): the admin API takes writes from the same origin, or from clients that are not browsers"}
			}
			if token == "" {
				return next(c)
			}
			got := c.Request().Header.Get(TokenHeader)
			if subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
				return &Error{Status: http.StatusUnauthorized, Message: TokenHeader + ": missing or wrong admin token"}
			}
			return next(c)
		}
	}
}

// HostCheck refuses a request whose Host does not name this server
// (Hosts).
func HostCheck(hosts Hosts) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if host := c.Request().Host; !hosts.Allows(host) {
				return &Error{Status: http.StatusForbidden, Message: fmt.Sprintf("Host %q is not a name of this server: the admin API and the console "+
					"answer to localhost, IP addresses and the names given with --allowed-hosts (REPOMOCK_ALLOWED_HOSTS), "+
					"so that a web page cannot reach them by DNS rebinding; add the name there", Clip(host))}
			}
			return next(c)
		}
	}
}

// Hosts says which Host names the admin API and the console answer to.
// A page on a site the developer visits can make its own name resolve to
// 127.0.0.1 (DNS rebinding): the browser then sends it the answers, and
// counts the requests as same-origin. Such a request names the attacker's
// host, so only names of this server are let through, as dev servers'
// "allowed hosts" do: localhost and its subdomains (RFC 6761: they are
// loopback, and no one else's), any IP address (a page served from an
// address is this server's own), the host of the listen address when it
// is a name, and the allowed hosts given (--allowed-hosts).
type Hosts struct {
	any     bool
	names   map[string]bool
	domains []string // ".example.com": it and its subdomains
}

// NewHosts makes the Hosts of a server listening on addr, which allowed
// adds to: a name, ".example.com" for a domain and its subdomains, or "*"
// for any.
func NewHosts(addr string, allowed []string) (Hosts, error) {
	r := Hosts{names: map[string]bool{}}
	if host, _, err := net.SplitHostPort(addr); err == nil && host != "" && !r.Allows(host) {
		r.names[strings.ToLower(host)] = true // a name: addresses and localhost are in already
	}
	for _, h := range allowed {
		switch name := strings.ToLower(strings.TrimSuffix(h, ".")); {
		case name == "*":
			r.any = true
		case strings.HasPrefix(name, ".") && hostNameRE.MatchString(name[1:]):
			r.domains = append(r.domains, name)
		case hostNameRE.MatchString(name):
			r.names[name] = true
		default:
			return r, fmt.Errorf("--allowed-hosts: %q is not a host name (a name such as repomock, .example.com for a domain and its subdomains, or * for any host)", Clip(h))
		}
	}
	return r, nil
}

// hostNameRE is a DNS name, or an IP address.
var hostNameRE = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$|^[0-9a-f:.]+$`)

// Allows reports whether a request's Host (with or without a port) names
// this server.
func (r Hosts) Allows(host string) bool {
	if r.any || host == "" { // no Host: not a browser's request
		return true
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"), "."))
	if _, err := netip.ParseAddr(host); err == nil || host == "localhost" || strings.HasSuffix(host, ".localhost") || r.names[host] {
		return true
	}
	for _, d := range r.domains {
		if host == d[1:] || strings.HasSuffix(host, d) {
			return true
		}
	}
	return false
}

// Names are the Host names, beyond localhost and IP addresses, that the
// admin API and the console answer to: the listen address's host and the
// allowed hosts, or "*" for any. The banner shows them.
func (r Hosts) Names() []string {
	if r.any {
		return []string{"*"}
	}
	out := slices.Sorted(maps.Keys(r.names))
	return append(out, r.domains...)
}
