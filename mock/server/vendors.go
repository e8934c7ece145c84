package server

import (
	"flag"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors"
)

// RegisterFlags adds to fs the flags of the vendors' settings: the
// vendors of cfg, every vendor repomock fakes (vendors.List) when it has
// none. Each is parsed by its vendor's package, so that a command knows
// no vendor. proxy asks for the flags repomock proxy takes.
func RegisterFlags(fs *flag.FlagSet, cfg *Config, proxy bool) {
	if cfg.Vendors == nil {
		cfg.Vendors = vendors.List()
	}
	for _, p := range cfg.Vendors {
		p.Flags(fs, proxy)
	}
}

// NewVendors builds the vendors of cfg from cfg and its fixtures, as New
// does, for a server of one's own: the load harness serves their handlers
// bare, as the baseline repomock is measured against.
func NewVendors(cfg Config) ([]vendor.Vendor, error) {
	vs, _, err := buildVendors(cfg.WithDefaults())
	return vs, err
}

// buildVendors builds the vendors of cfg's plugins, with the fixture files
// in cfg.FixturesDir, and lists the files it read.
func buildVendors(cfg Config) ([]vendor.Vendor, []FixtureFile, error) {
	fx := &fixtureReader{dir: cfg.FixturesDir}
	env := vendor.Env{Clock: cfg.Clock, Seed: cfg.Seed, Log: cfg.Logger, Fixtures: fx}
	plugins := cfg.Vendors
	if plugins == nil {
		plugins = vendors.List()
	}
	var out []vendor.Vendor
	for _, p := range plugins {
		vs, err := p.Vendors(env)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, vs...)
	}
	fx.warnUnread(cfg.Logger)
	return out, fx.files, nil
}

// vendorOf returns the vendor a request was meant for: the one whose route
// it took, else the one that owns its path (Owner), else nil (admin,
// unknown prefixes).
func (s *Server) vendorOf(c echo.Context) vendor.Vendor {
	return s.byID[pipeline.StateOf(c).Vendor]
}

// Owner returns the vendor that owns a request's path: the first that
// says Mine, else the first that takes it as its Fallback; nil for none.
func (s *Server) Owner(r *http.Request) vendor.Vendor {
	var fallback vendor.Vendor
	for _, v := range s.vendors {
		switch v.Owns(r) {
		case vendor.Mine:
			return v
		case vendor.Fallback:
			if fallback == nil {
				fallback = v
			}
		}
	}
	return fallback
}

// onRoute marks a vendor's routes: the request's vendor is known from its
// route, not guessed from its path.
func onRoute(v vendor.Vendor) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			pipeline.StateOf(c).Vendor = v.ID()
			return next(c)
		}
	}
}

// vendorGateway notes the vendor that owns the request, until its route
// says otherwise, and runs its gateway step.
func (s *Server) vendorGateway(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if v := s.Owner(c.Request()); v != nil {
			pipeline.StateOf(c).Vendor = v.ID()
			if gw := v.Gateway(); gw != nil {
				return gw(next)(c)
			}
		}
		return next(c)
	}
}

// RouteNotFound answers, with h, every request that matches no route (in
// place of the vendor's 404): the proxy forwards some of them.
func (s *Server) RouteNotFound(h echo.HandlerFunc) { s.echo.RouteNotFound("/*", h) }

// RoutedForOtherMethod reports whether a route serves req's path with
// another method (echo answers 405 only when no not-found route catches
// the path).
func (s *Server) RoutedForOtherMethod(req *http.Request) bool {
	path := echo.GetPath(req)
	for _, m := range []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == req.Method {
			continue
		}
		c := s.echo.NewContext(req, nil)
		s.echo.Router().Find(m, path, c)
		if p := c.Path(); p != "" && p != "/*" {
			return true
		}
	}
	return false
}
