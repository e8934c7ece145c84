package servicestage

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/specs"
)

// What the server needs to serve the fake (vendor.Vendor).

var _ vendor.Vendor = (*Fake)(nil)

// id is the vendor's short name: its state and fixtures are "servicestage".
const id = "servicestage"

// Name is the vendor's name.
func (f *Fake) Name() string { return "Huawei ServiceStage" }

// ID is the vendor's short name.
func (f *Fake) ID() string { return id }

// Spec is the vendor's document in specs/.
func (f *Fake) Spec() vendor.Spec { return vendor.Spec{File: specs.ServiceStage} }

// Validation: the published rules, as they are.
func (f *Fake) Validation() pipeline.Options { return pipeline.Options{} }

// Authenticate is the API gateway's check of the credentials, then of the
// project the path names, then the service's check of X-Repo-Auth.
func (f *Fake) Authenticate(c echo.Context) error {
	if err := f.cfg.Gateway.Authenticate(c); err != nil {
		return err
	}
	if err := f.cfg.Gateway.CheckProjectID(c, "project_id"); err != nil {
		return err
	}
	return f.checkRepoAuth(c)
}

// Gateway is the API gateway's first step: it names the request.
func (f *Fake) Gateway() echo.MiddlewareFunc { return f.cfg.Gateway.Gateway() }

// Owns matches /v1/{project_id}/git/….
func (f *Fake) Owns(r *http.Request) vendor.Claim {
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/")
	if !ok {
		return vendor.NotMine
	}
	if _, rest, ok = strings.Cut(rest, "/"); ok && strings.HasPrefix(rest, "git/") {
		return vendor.Mine
	}
	return vendor.NotMine
}

// ErrorFor is the gateway's answer where it is the gateway's to give
// (credentials, no such API, a body too large), else ErrorFor.
func (f *Fake) ErrorFor(c echo.Context, status int, message string) error {
	return f.cfg.Gateway.Answer(c, status, message, func(status int, message string) error { return ErrorFor(status, message) })
}

// ErrorByCode is the answer with an error code, the gateway's (APIGW.…)
// or ServiceStage's (SVCSTG.REPO.…), for a stub.
func (f *Fake) ErrorByCode(c echo.Context, code, message string) (error, error) {
	return f.cfg.Gateway.AnswerCode(c, code, message, func(code, message string) (error, bool) {
		if e, ok := ErrorByCode(code, message); ok {
			return e, true
		}
		return nil, false
	}, Codes())
}

// Secrets are the gateway's, and the repository authorization the
// service acts with.
func (f *Fake) Secrets() vendor.Secrets {
	s := f.cfg.Gateway.Secrets()
	s.Headers = append(s.Headers, HeaderRepoAuth)
	return s
}

// LongHeaders are the gateway's.
func (f *Fake) LongHeaders() []string { return f.cfg.Gateway.LongHeaders() }
