package mock

import (
	"flag"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/brianvoe/gofakeit/v7"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"

	"github.com/repomock/repomock/mock/vendors/codearts"
	"github.com/repomock/repomock/mock/vendors/endor"
	"github.com/repomock/repomock/mock/vendors/huawei"
	"github.com/repomock/repomock/mock/vendors/servicestage"
)

// The vendors repomock fakes. Adding one is its package (a Fake that is a
// Vendor), an entry in buildVendors, and its flags in RegisterFlags.

// NewVendors builds every vendor repomock fakes from cfg and its fixtures,
// as New does when cfg.Vendors is nil, for a server of one's own: the load
// harness serves their handlers bare, as the baseline repomock is measured
// against.
func NewVendors(cfg Config) ([]Vendor, error) {
	vs, _, err := buildVendors(cfg.withDefaults())
	return vs, err
}

// buildVendors builds every vendor from cfg and the fixture files in
// cfg.FixturesDir, and lists the files it read.
func buildVendors(cfg Config) ([]Vendor, []FixtureFile, error) {
	log := cfg.Logger
	fx := fixtureReader{dir: cfg.FixturesDir}
	endorFx, err1 := readFixtures(&fx, "endor", endor.ParseFixtures)
	codeartsFx, err2 := readFixtures(&fx, "codearts", codearts.ParseFixtures)
	stageFx, err3 := readFixtures(&fx, "servicestage", servicestage.ParseFixtures)
	if err := firstError(fx.err, err1, err2, err3); err != nil {
		return nil, nil, err
	}
	fx.warnUnread(log)

	// Huawei's API gateway is one, in front of both Huawei services.
	huawei := huawei.New(huawei.Config{
		Credentials: cfg.HuaweiCredentials,
		Clock:       cfg.Clock,
		RequestID:   requestIDs(faker(cfg.Seed, 100)),
	})
	return []Vendor{
		endor.New(endor.Config{
			Tokens:          cfg.EndorTokens,
			Fixtures:        endorFx,
			Clock:           cfg.Clock,
			Faker:           faker(cfg.Seed, 0),
			Session:         sessionOf,
			MaxIssuedTokens: cfg.EndorMaxIssuedTokens,
			Log:             log,
		}),
		codearts.New(codearts.Config{
			Fixtures: codeartsFx,
			Clock:    cfg.Clock,
			Faker:    faker(cfg.Seed, 1),
			Gateway:  huawei,
			Session:  sessionOf,
		}),
		servicestage.New(servicestage.Config{
			RepoAuths: cfg.RepoAuths,
			Fixtures:  stageFx,
			Clock:     cfg.Clock,
			Faker:     faker(cfg.Seed, 2),
			Gateway:   huawei,
			Session:   sessionOf,
		}),
	}, fx.files, nil
}

// RegisterFlags adds to fs the flags of the vendors' settings in cfg:
// --endor-tokens, --endor-max-issued-tokens, --huawei-credentials,
// --repo-auths. Each is parsed by its vendor's package, so that a command
// knows no vendor.
func RegisterFlags(fs *flag.FlagSet, cfg *Config) {
	fs.Func("endor-tokens", "comma-separated Endor bearer `tokens` to accept, each TOKEN[=[NAMESPACE][:PROVIDER[:EMAIL]]]: NAMESPACE limits it to a namespace and its children, PROVIDER and EMAIL are the login GET /v1/auth reports (default google and a made-up address); empty accepts any token",
		parseInto(&cfg.EndorTokens, endor.ParseTokens))
	fs.Func("endor-max-issued-tokens", fmt.Sprintf("`number` of tokens from Endor's POST /v1/auth/api-key held at once, all sessions together (default %d); past it the oldest is dropped, and its client gets 401", endor.DefaultMaxIssuedTokens),
		parseInto(&cfg.EndorMaxIssuedTokens, endor.ParseMaxIssuedTokens))
	fs.Func("huawei-credentials", "comma-separated `AK:SK` pairs whose SDK-HMAC-SHA256 signatures are verified on the Huawei APIs; empty accepts any well-formed signature (with either, X-Sdk-Date must be within 15 minutes)",
		parseInto(&cfg.HuaweiCredentials, huawei.ParseCredentials))
	fs.Func("repo-auths", "comma-separated ServiceStage X-Repo-Auth `names` to accept; empty accepts any well-formed name",
		parseInto(&cfg.RepoAuths, servicestage.ParseRepoAuths))
}

func parseInto[T any](dst *T, parse func(string) (T, error)) func(string) error {
	return func(s string) error {
		v, err := parse(s)
		if err != nil {
			return err
		}
		*dst = v
		return nil
	}
}

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
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

// vendorOf returns the vendor a request was meant for: the one whose route
// it took, else the one that owns its path, else Endor for other /v1/ and
// /v2/ paths, else nil (admin, unknown prefixes).
func (s *Server) vendorOf(c echo.Context) Vendor {
	return s.byID[pipeline.StateOf(c).Vendor]
}

func (s *Server) ownerOf(r *http.Request) Vendor {
	for _, v := range s.vendors {
		if v.Owns(r) {
			return v
		}
	}
	if len(s.vendors) > 0 && (strings.HasPrefix(r.URL.Path, "/v1/") || strings.HasPrefix(r.URL.Path, "/v2/")) {
		return s.vendors[0]
	}
	return nil
}

// onRoute marks a vendor's routes: the request's vendor is known from its
// route, not guessed from its path.
func onRoute(v Vendor) echo.MiddlewareFunc {
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
		if v := s.ownerOf(c.Request()); v != nil {
			pipeline.StateOf(c).Vendor = v.ID()
			if gw := v.Gateway(); gw != nil {
				return gw(next)(c)
			}
		}
		return next(c)
	}
}
