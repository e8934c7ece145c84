package mock

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strconv"

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
	g := s.echo.Group(adminPrefix, s.adminAuth)
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
	if err := s.ResetSession(name); err != nil {
		return &plainError{Status: http.StatusNotImplemented, Message: err.Error()}
	}
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
