package endor

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/mock/vendors/endor/protojson"
	"github.com/repomock/repomock/specs"
)

// What the server needs to serve the fake (vendor.Vendor).

var _ vendor.Vendor = (*Fake)(nil)

// id is the vendor's short name: its state and fixtures are "endor".
const id = "endor"

// Name is the vendor's name.
func (f *Fake) Name() string { return "Endor Labs" }

// ID is the vendor's short name.
func (f *Fake) ID() string { return id }

// Spec is the vendor's document in specs/.
func (f *Fake) Spec() vendor.Spec { return vendor.Spec{File: specs.Endor} }

// Validation: Endor is a grpc-gateway service. It reads and writes
// protobuf JSON (mock/vendors/endor/protojson), which refuses unknown fields; it reads
// a query as grpc-gateway does, ignoring keys that are no field of the
// request; its jsoncompact marshaler reads JSON under another name and
// writes JSON without unpopulated fields; and a body of any other
// Content-Type, or none, is read as JSON (no 415).
func (f *Fake) Validation() pipeline.Options {
	codec := protojson.Codec{Compact: func(c echo.Context) bool {
		return Compact(c.Request())
	}}
	return pipeline.Options{
		RejectUnknownFields: true,
		JSONMediaTypes:      JSONMediaTypes(),
		DefaultMediaType:    MediaTypeJSON,
		Codec:               codec,
		Query:               codec,
	}
}

// Gateway compresses the answer.
func (f *Fake) Gateway() echo.MiddlewareFunc { return f.gateway }

// Owns says whether a request is for Endor's API: its namespaces and its
// authentication service are; so is any other /v1/ or /v2/ path no other
// vendor owns (repomock's first vendor always took them).
func (f *Fake) Owns(r *http.Request) vendor.Claim {
	switch p := r.URL.Path; {
	case strings.HasPrefix(p, "/v1/namespaces/") || p == "/v1/auth" || strings.HasPrefix(p, "/v1/auth/"):
		return vendor.Mine
	case strings.HasPrefix(p, "/v1/") || strings.HasPrefix(p, "/v2/"):
		return vendor.Fallback
	}
	return vendor.NotMine
}

// ErrorFor is ErrorFor, for the server.
func (f *Fake) ErrorFor(_ echo.Context, status int, message string) error {
	return ErrorFor(status, message)
}

// ErrorByCode is ErrorByCode, for a stub.
func (f *Fake) ErrorByCode(_ echo.Context, code, message string) (error, error) {
	e, err := ErrorByCode(code, message)
	if err != nil {
		return nil, err
	}
	return e, nil
}

// Secrets: the bearer token, and the API key pair and the token it buys
// (POST /v1/auth/api-key).
func (f *Fake) Secrets() vendor.Secrets {
	return vendor.Secrets{Headers: []string{echo.HeaderAuthorization}, Fields: []string{"key", "secret", "token"}}
}

// LongHeaders: none; Endor's gateway documents no header longer than the
// server takes.
func (f *Fake) LongHeaders() []string { return nil }
