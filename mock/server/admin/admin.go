// Package admin is what every part of the admin API (/__admin) and the
// console shares: the prefix, the one error body ({"message": …}), the
// checks in front of them (the admin token, cross-origin writes, and the
// Host names they answer to), and Register, which serves the parts'
// handlers (the journal's, the faults', the console's, the server's reset
// and sessions) behind the validating pipeline, held to the admin API's
// spec (specs/admin.yaml) as a vendor's routes are to theirs.
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

// Prefix starts every path of the admin API but its index at /.
const Prefix = "/__admin"

// Owns reports whether path is the admin API's: / (its index) or under
// Prefix. Such a request is in no session, and no journal records it.
func Owns(path string) bool { return path == "/" || strings.HasPrefix(path, Prefix) }

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

// TokenHeader carries the admin token, when the server has one. Every
// /__admin route but health, the index, the spec and the console's page
// requires it then (their security in the spec says which).
const TokenHeader = "X-Repomock-Admin-Token"

// tokenCheck is the checks of a path under Prefix that no route serves:
// a cross-origin write is refused and the admin token required, as on
// the routes that need it, so that a 404 says nothing a 401 would not.
func tokenCheck(token string) echo.MiddlewareFunc {
	crossOrigin := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := checkWrite(crossOrigin, c.Request()); err != nil {
				return err
			}
			if err := checkToken(token, c.Request()); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// checkWrite refuses a cross-origin write.
//
// A browser sends a form or fetch POST from any site to 127.0.0.1 and
// blocks only the answer, so without this check a page the developer
// happens to visit could reset the mock or inject faults.
// net/http's CrossOriginProtection refuses a non-GET request that a
// browser marks as cross-site (Sec-Fetch-Site, or an Origin other than the
// Host); curl, SDKs and the console's own same-origin calls send neither.
func checkWrite(crossOrigin *http.CrossOriginProtection, r *http.Request) error {
	if err := crossOrigin.Check(r); err != nil {
		return &Error{Status: http.StatusForbidden, Message: "cross-origin request refused (" + err.Error() + "): the admin API takes writes from the same origin, or from clients that are not browsers"}
	}
	return nil
}

// checkToken requires the admin token, when there is one.
func checkToken(token string, r *http.Request) error {
	if token == "" {
		return nil
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(TokenHeader)), []byte(token)) != 1 {
		return &Error{Status: http.StatusUnauthorized, Message: TokenHeader + ": missing or wrong admin token"}
	}
	return nil
}

// hostCheck refuses a request whose Host does not name this server
// (Hosts).
func hostCheck(hosts Hosts) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := checkHost(hosts, c.Request()); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// checkHost refuses a request whose Host does not name this server.
func checkHost(hosts Hosts, r *http.Request) error {
	if !hosts.Allows(r.Host) {
		return &Error{Status: http.StatusForbidden, Message: fmt.Sprintf("Host %q is not a name of this server: the admin API and the console "+
			"answer to localhost, IP addresses and the names given with --allowed-hosts (REPOMOCK_ALLOWED_HOSTS), "+
			"so that a web page cannot reach them by DNS rebinding; add the name there", Clip(r.Host))}
	}
	return nil
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
