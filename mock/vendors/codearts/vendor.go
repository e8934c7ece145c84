package codearts

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

// id is the vendor's short name: its state and fixtures are "codearts".
const id = "codearts"

// Name is the vendor's name.
func (f *Fake) Name() string { return "Huawei CodeArts Repo" }

// ID is the vendor's short name.
func (f *Fake) ID() string { return id }

// Spec is the vendor's document in specs/.
func (f *Fake) Spec() vendor.Spec { return vendor.Spec{File: specs.CodeArts} }

// Validation: integer fields are read as the vendor's Java backend reads
// them. Assumption (vendors.md §6): digit strings are numbers, as seed
// 002's own example sends them.
func (f *Fake) Validation() pipeline.Options {
	return pipeline.Options{Codec: pipeline.IntegerStrings{}}
}

// Authenticate is the API gateway's check of the credentials.
func (f *Fake) Authenticate(c echo.Context) error { return f.cfg.Gateway.Authenticate(c) }

// Gateway is the API gateway's first step: it names the request.
func (f *Fake) Gateway() echo.MiddlewareFunc { return f.cfg.Gateway.Gateway() }

// Owns says whether a request is for CodeArts Repo's API.
func (f *Fake) Owns(r *http.Request) vendor.Claim {
	p := r.URL.Path
	if strings.HasPrefix(p, "/v1/repositories") || strings.HasPrefix(p, "/v2/repositories") || strings.HasPrefix(p, "/v1/projects/") {
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
// or CodeArts' (CH.…), for a stub.
func (f *Fake) ErrorByCode(c echo.Context, code, message string) (error, error) {
	return f.cfg.Gateway.AnswerCode(c, code, message, func(code, message string) (error, bool) {
		if e, ok := ErrorByCode(code, message); ok {
			return e, true
		}
		return nil, false
	}, Codes())
}

// Secrets are the gateway's.
func (f *Fake) Secrets() vendor.Secrets { return f.cfg.Gateway.Secrets() }

// LongHeaders are the gateway's.
func (f *Fake) LongHeaders() []string { return f.cfg.Gateway.LongHeaders() }
