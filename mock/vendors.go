package mock

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/codearts"
	"github.com/repomock/repomock/mock/endor"
	"github.com/repomock/repomock/mock/huaweiauth"
	"github.com/repomock/repomock/mock/openapi"
	"github.com/repomock/repomock/mock/protojson"
	"github.com/repomock/repomock/mock/servicestage"
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
	// jsonMediaTypes are media types validated as application/json.
	jsonMediaTypes []string
	// codec and defaultMediaType are the vendor's openapi.Options of the same names.
	codec            openapi.Codec
	defaultMediaType string
	// errorFor makes the vendor's error for a failure found outside its
	// handlers (bad request, unknown route, body too large, a fault of the fake).
	errorFor func(status int, message string) statusError
	// owns says whether an unrouted request gets this vendor's error shape.
	owns func(r *http.Request) bool
	// gateway, when set, runs first on every request that belongs to the
	// vendor, routed or not, as the vendor's gateway does (content
	// negotiation and compression, request ids).
	gateway echo.MiddlewareFunc
	reset   func()
	// stateKey names the fake's part of the state file; state saves and restores it.
	stateKey string
	state    stateful
}

// faker gives each vendor its own generator, so that one vendor's traffic
// never shifts another's ids: seed, seed+1, … (0 stays random).
func faker(seed uint64, index uint64) *gofakeit.Faker {
	if seed == 0 {
		return gofakeit.New(0)
	}
	s := seed + index
	if s < seed {
		// Wrapped past the top: 0 would mean random, and the small values
		// after it belong to other vendors of a small seed.
		s += 1 << 32
	}
	return gofakeit.New(s)
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
	huawei := huaweiauth.New(huaweiauth.Config{
		Credentials: cfg.HuaweiCredentials,
		Clock:       cfg.Clock,
		RequestID:   requestIDs(faker(cfg.Seed, 100)),
	})
	codeartsFake := codearts.New(codearts.Config{
		Fixtures: fx.codearts,
		Clock:    cfg.Clock,
		Faker:    faker(cfg.Seed, 1),
	})
	stageFake := servicestage.New(servicestage.Config{
		RepoAuths: cfg.RepoAuths,
		Fixtures:  fx.servicestage,
		Clock:     cfg.Clock,
		Faker:     faker(cfg.Seed, 2),
	})
	return []vendor{{
		name:     "Endor Labs",
		spec:     specs.Endor,
		handlers: endorFake.Handlers(),
		auth:     endorFake.Authenticate,
		// Endor decodes bodies as protobuf JSON, which refuses unknown fields.
		rejectUnknownFields: true,
		jsonMediaTypes:      endor.JSONMediaTypes(),
		// Endor's gateway reads and writes protobuf JSON, and reads any
		// body as JSON whatever its Content-Type (no 415).
		codec: protojson.Codec{Compact: func(c echo.Context) bool {
			return endor.ResponseMediaType(c.Request()) == endor.MediaTypeJSONCompact
		}},
		defaultMediaType: echo.MIMEApplicationJSON,
		errorFor:         func(status int, msg string) statusError { return endor.ErrorFor(status, msg) },
		owns: func(r *http.Request) bool {
			p := r.URL.Path
			return strings.HasPrefix(p, "/v1/namespaces/") || p == "/v1/auth" || strings.HasPrefix(p, "/v1/auth/")
		},
		gateway:  endor.Gateway(),
		reset:    endorFake.Reset,
		stateKey: "endor",
		state:    endorFake,
	}, {
		name:     "Huawei CodeArts Repo",
		spec:     specs.CodeArts,
		handlers: codeartsFake.Handlers(),
		auth:     huawei.Authenticate,
		// Assumption (vendors.md §6): the vendor's Java backend reads digit
		// strings as numbers, as seed 002's own example sends them.
		codec:    openapi.IntegerStrings{},
		errorFor: huaweiErrorFor(codearts.ErrorFor),
		owns: func(r *http.Request) bool {
			p := r.URL.Path
			return strings.HasPrefix(p, "/v1/repositories") || strings.HasPrefix(p, "/v2/repositories") || strings.HasPrefix(p, "/v1/projects/")
		},
		gateway:  first(func(c echo.Context) { huawei.AssignRequestID(c) }),
		reset:    codeartsFake.Reset,
		stateKey: "codearts",
		state:    codeartsFake,
	}, {
		name:     "Huawei ServiceStage",
		spec:     specs.ServiceStage,
		handlers: stageFake.Handlers(),
		// The gateway checks credentials, then the project the path names,
		// before the service checks X-Repo-Auth.
		auth: func(c echo.Context) error {
			if err := huawei.Authenticate(c); err != nil {
				return err
			}
			if err := huawei.CheckProjectID(c, "project_id"); err != nil {
				return err
			}
			return stageFake.Authenticate(c)
		},
		errorFor: huaweiErrorFor(servicestage.ErrorFor),
		owns:     func(r *http.Request) bool { return isServiceStagePath(r.URL.Path) },
		gateway:  first(func(c echo.Context) { huawei.AssignRequestID(c) }),
		reset:    stageFake.Reset,
		stateKey: "servicestage",
		state:    stageFake,
	}}
}

// isServiceStagePath matches /v1/{project_id}/git/….
func isServiceStagePath(p string) bool {
	rest, ok := strings.CutPrefix(p, "/v1/")
	if !ok {
		return false
	}
	_, rest, ok = strings.Cut(rest, "/")
	return ok && strings.HasPrefix(rest, "git/")
}

// huaweiErrorFor answers a failure no handler saw as Huawei's API gateway
// does when it is the gateway's to answer (credentials, no such API, a body
// too large: the same answer for both services), and else as the service
// does.
func huaweiErrorFor[E statusError](service func(int, string) E) func(int, string) statusError {
	return func(status int, msg string) statusError {
		if gw := huaweiauth.ErrorFor(status, msg); gw != nil {
			return gw
		}
		return service(status, msg)
	}
}

// requestIDs makes the ids Huawei's gateway names its requests with
// (X-Request-Id, and request_id in its error bodies): 32 hex digits, as
// the vendor's look. With a seed, the n-th Huawei request gets the same id
// on every run.
func requestIDs(f *gofakeit.Faker) func() string {
	var mu sync.Mutex // keeps an id's two draws together
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("%016x%016x", f.Uint64(), f.Uint64())
	}
}

// nameAnswer puts the gateway's id of a Huawei request on an error answer:
// in X-Request-Id, and in the body's request_id where the body has one (the
// gateway's APIGW.* bodies). Other vendors' requests have no id.
func nameAnswer(c echo.Context, out statusError) {
	id := huaweiauth.RequestID(c)
	if id == "" {
		return
	}
	c.Response().Header().Set(huaweiauth.HeaderRequestID, id)
	if body, ok := out.(interface{ SetRequestID(string) }); ok {
		body.SetRequestID(id)
	}
}

// vendorOf returns the vendor a request was meant for, by its path: the
// vendor that owns it, else Endor for other /v1/ and /v2/ paths, else nil
// (admin, unknown prefixes).
func (s *Server) vendorOf(r *http.Request) *vendor {
	for i := range s.fakes {
		if s.fakes[i].owns(r) {
			return &s.fakes[i]
		}
	}
	if strings.HasPrefix(r.URL.Path, "/v1/") || strings.HasPrefix(r.URL.Path, "/v2/") {
		return &s.fakes[0]
	}
	return nil
}

// errorFor renders a failure on a request that no vendor handler saw in
// the shape of the vendor the request was meant for; outside every
// vendor, a plain {"message": …}.
func (s *Server) errorFor(r *http.Request, status int, message string) statusError {
	if v := s.vendorOf(r); v != nil {
		return v.errorFor(status, message)
	}
	return &plainError{Status: status, Message: message}
}

// vendorGateway runs the gateway step of the request's vendor.
func (s *Server) vendorGateway(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if v := s.vendorOf(c.Request()); v != nil && v.gateway != nil {
			return v.gateway(next)(c)
		}
		return next(c)
	}
}

// first is a gateway step that only looks at the request first.
func first(f func(echo.Context)) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			f(c)
			return next(c)
		}
	}
}
