package mock

import (
	"crypto/subtle"
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
		s.Reset()
		return c.JSON(http.StatusOK, map[string]string{"status": "reset"})
	})
	g.GET("/requests", func(c echo.Context) error {
		limit := 0
		if v := c.QueryParam("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return &plainError{Status: http.StatusBadRequest, Message: "limit: must be a whole number of 0 or more"}
			}
			limit = n
		}
		return c.JSON(http.StatusOK, map[string]any{"requests": s.journal.newest(limit)})
	})
}

// AdminTokenHeader carries the admin token when Config.AdminToken is set.
// Every /__admin route but health requires it then.
const AdminTokenHeader = "X-Repomock-Admin-Token"

// adminAuth requires the admin token, when one is configured.
func (s *Server) adminAuth(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
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
