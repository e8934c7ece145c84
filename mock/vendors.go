package mock

import (
	"net/http"
	"strings"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/endor"
	"github.com/repomock/repomock/specs"
)

// vendor is one fake as the server wires it: its spec, its handlers by
// operationId, the checks that run before its requests are validated, and
// the shape of its errors.
type vendor struct {
	name     string
	spec     string
	handlers map[string]echo.HandlerFunc
	// auth runs after routing and before request validation.
	auth echo.HandlerFunc
	// rejectUnknownFields refuses body fields the schema does not declare.
	rejectUnknownFields bool
	// errorFor makes the vendor's error for a failure found outside its
	// handlers (bad request, unknown route, body too large, a fault of the fake).
	errorFor func(status int, message string) statusError
	// owns says whether an unrouted request gets this vendor's error shape.
	owns  func(r *http.Request) bool
	reset func()
}

// faker gives each vendor its own generator, so that one vendor's traffic
// never shifts another's ids: seed, seed+1, … (0 stays random).
func faker(seed uint64, index uint64) *gofakeit.Faker {
	if seed == 0 {
		return gofakeit.New(0)
	}
	return gofakeit.New(seed + index)
}

// vendors builds every fake from the configuration and the fixtures.
func (s *Server) vendors(fx fixtures) []vendor {
	cfg := s.cfg
	endorFake := endor.New(endor.Config{
		Tokens:   cfg.EndorTokens,
		Fixtures: fx.endor,
		Clock:    cfg.Clock,
		Faker:    faker(cfg.Seed, 0),
	})
	return []vendor{{
		name:     "Endor Labs",
		spec:     specs.Endor,
		handlers: endorFake.Handlers(),
		auth:     endorFake.Authenticate,
		// Endor decodes bodies as protobuf JSON, which refuses unknown fields.
		rejectUnknownFields: true,
		errorFor:            func(status int, msg string) statusError { return endor.ErrorFor(status, msg) },
		owns: func(r *http.Request) bool {
			return strings.HasPrefix(r.URL.Path, "/v1/namespaces/") || strings.HasPrefix(r.URL.Path, "/v1/auth/")
		},
		reset: endorFake.Reset,
	}}
}

// errorFor renders a failure on a request that no vendor handler saw in
// the shape of the vendor the request was meant for: by its path, then by
// its credentials. Other /v1/ and /v2/ paths get Endor's shape; the rest
// (admin, unknown prefixes) a plain {"message": …}.
func (s *Server) errorFor(r *http.Request, status int, message string) statusError {
	for _, v := range s.fakes {
		if v.owns(r) {
			return v.errorFor(status, message)
		}
	}
	if strings.HasPrefix(r.URL.Path, "/v1/") || strings.HasPrefix(r.URL.Path, "/v2/") {
		return s.fakes[0].errorFor(status, message)
	}
	return &plainError{Status: status, Message: message}
}
