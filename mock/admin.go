package mock

import (
	"crypto/subtle"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

const adminPrefix = "/__admin"

// registerAdmin adds the admin API. It lives outside the vendor specs.
func (s *Server) registerAdmin() {
	// Health needs no admin token even when one is set: it reveals only
	// "ok" or "stopping", and health checkers (Docker's HEALTHCHECK, a
	// load balancer, a wait strategy) should not have to hold a secret.
	s.echo.GET(adminPrefix+"/health", func(c echo.Context) error {
		if !s.ready.Load() {
			return c.JSON(http.StatusServiceUnavailable, map[string]string{"status": "stopping"})
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
	})
	g := s.echo.Group(adminPrefix, s.adminHost, s.adminAuth)
	g.POST("/reset", func(c echo.Context) error {
		if !c.QueryParams().Has("session") {
			s.Reset()
			if err := s.syncChanges(); err != nil {
				return &plainError{Status: http.StatusInternalServerError, Message: "reset, but the change log cannot be written: " + err.Error()}
			}
			return c.JSON(http.StatusOK, map[string]string{"status": "reset"})
		}
		name := c.QueryParam("session")
		if err := s.resetSession(name); err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]string{"status": "reset", "session": name})
	})
	g.GET("/sessions", func(c echo.Context) error {
		return c.JSON(http.StatusOK, s.sessionsReport())
	})
	g.DELETE("/sessions/:name", func(c echo.Context) error {
		if err := s.resetSession(c.Param("name")); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	})
	g.GET("/requests", func(c echo.Context) error {
		f, err := requestFilter(c)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"requests": s.journal.find(f)})
	})
	s.registerFaults(g)
	s.registerConsole(g)
}

// resetSession is ResetSession for the admin API: a bad name is a 400.
func (s *Server) resetSession(name string) error {
	if name != "" && !sessionNameRE.MatchString(name) {
		return &plainError{Status: http.StatusBadRequest, Message: fmt.Sprintf("session: %q is not a session name (1 to 64 characters of A-Z a-z 0-9 . _ -)", clipName(name))}
	}
	s.ResetSession(name)
	if err := s.syncChanges(); err != nil {
		return &plainError{Status: http.StatusInternalServerError, Message: "reset, but the change log cannot be written: " + err.Error()}
	}
	return nil
}

// requestFilter reads the journal filter of GET /__admin/requests:
// session (present and empty: the default session), vendor, operation,
// status and limit.
func requestFilter(c echo.Context) (Filter, error) {
	q := c.QueryParams()
	f := Filter{Vendor: q.Get("vendor"), Operation: q.Get("operation")}
	if q.Has("session") {
		name := q.Get("session")
		f.Session = &name
	}
	for _, p := range []struct {
		name string
		dst  *int
	}{{"status", &f.Status}, {"limit", &f.Limit}} {
		if v := q.Get(p.name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return f, &plainError{Status: http.StatusBadRequest, Message: p.name + ": must be a whole number of 0 or more"}
			}
			*p.dst = n
		}
	}
	return f, nil
}

// AdminTokenHeader carries the admin token when Config.AdminToken is set.
// Every /__admin route but health requires it then.
const AdminTokenHeader = "X-Repomock-Admin-Token"

// adminAuth refuses a cross-origin write and requires the admin token,
// when one is configured.
//
// A browser sends a form or fetch POST from any site to 127.0.0.1 and
// blocks only the answer, so without the cross-origin check a page the
// developer happens to visit could reset the mock or inject faults.
// net/http's CrossOriginProtection refuses a non-GET request that a
// browser marks as cross-site (Sec-Fetch-Site, or an Origin other than the
// Host); curl, SDKs and the console's own same-origin calls send neither.
func (s *Server) adminAuth(next echo.HandlerFunc) echo.HandlerFunc {
	crossOrigin := http.NewCrossOriginProtection()
	return func(c echo.Context) error {
		if err := crossOrigin.Check(c.Request()); err != nil {
			return &plainError{Status: http.StatusForbidden, Message: "cross-origin request refused (" + err.Error() + "): the admin API takes writes from the same origin, or from clients that are not browsers"}
		}
		if s.cfg.AdminToken == "" {
			return next(c)
		}
		got := c.Request().Header.Get(AdminTokenHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) != 1 {
			return &plainError{Status: http.StatusUnauthorized, Message: AdminTokenHeader + ": missing or wrong admin token"}
		}
		return next(c)
	}
}

// adminHost refuses a request whose Host does not name this server
// (hostRule).
func (s *Server) adminHost(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if host := c.Request().Host; !s.adminHosts.allows(host) {
			return &plainError{Status: http.StatusForbidden, Message: fmt.Sprintf("Host %q is not a name of this server: the admin API and the console "+
				"answer to localhost, IP addresses and the names given with --allowed-hosts (REPOMOCK_ALLOWED_HOSTS), "+
				"so that a web page cannot reach them by DNS rebinding; add the name there", clipName(host))}
		}
		return next(c)
	}
}

// hostRule says which Host names the admin API and the console answer to.
// A page on a site the developer visits can make its own name resolve to
// 127.0.0.1 (DNS rebinding): the browser then sends it the answers, and
// counts the requests as same-origin. Such a request names the attacker's
// host, so only names of this server are let through, as dev servers'
// "allowed hosts" do: localhost and its subdomains (RFC 6761: they are
// loopback, and no one else's), any IP address (a page served from an
// address is this server's own), the host of the listen address when it
// is a name, and Config.AllowedHosts.
type hostRule struct {
	any     bool
	names   map[string]bool
	domains []string // ".example.com": it and its subdomains
}

func newHostRule(cfg Config) (hostRule, error) {
	r := hostRule{names: map[string]bool{}}
	if host, _, err := net.SplitHostPort(cfg.Addr); err == nil && host != "" && !r.allows(host) {
		r.names[strings.ToLower(host)] = true // a name: addresses and localhost are in already
	}
	for _, h := range cfg.AllowedHosts {
		switch name := strings.ToLower(strings.TrimSuffix(h, ".")); {
		case name == "*":
			r.any = true
		case strings.HasPrefix(name, ".") && hostNameRE.MatchString(name[1:]):
			r.domains = append(r.domains, name)
		case hostNameRE.MatchString(name):
			r.names[name] = true
		default:
			return r, fmt.Errorf("--allowed-hosts: %q is not a host name (a name such as repomock, .example.com for a domain and its subdomains, or * for any host)", clipName(h))
		}
	}
	return r, nil
}

// hostNameRE is a DNS name, or an IP address.
var hostNameRE = regexp.MustCompile(`^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$|^[0-9a-f:.]+$`)

// allows reports whether a request's Host (with or without a port) names
// this server.
func (r hostRule) allows(host string) bool {
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

// AdminHosts are the Host names, beyond localhost and IP addresses, that
// the admin API and the console answer to: the listen address's host and
// Config.AllowedHosts, or "*" for any. The banner shows them.
func (s *Server) AdminHosts() []string {
	if s.adminHosts.any {
		return []string{"*"}
	}
	out := slices.Sorted(maps.Keys(s.adminHosts.names))
	return append(out, s.adminHosts.domains...)
}
