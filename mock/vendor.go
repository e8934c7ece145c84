package mock

import (
	"encoding/json"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/pipeline"
)

// Vendor is one faked API: a package of its own (mock/vendors/endor,
// mock/vendors/codearts, mock/vendors/servicestage) whose Fake satisfies this interface.
// The server serves its spec's operations behind the validating
// middleware, each route carrying the vendor and the operation, and renders
// every error on them in the vendor's shape. Adding a vendor is its package
// and one entry in the list in vendors.go.
type Vendor interface {
	// Name is the vendor's name for people ("Endor Labs").
	Name() string
	// ID is its short name ("endor"): its part of the state file, the stem
	// of its fixtures file (endor.yaml).
	ID() string
	// Spec is the name of its document in specs/.
	Spec() string
	// Handlers are the handlers of its spec's operations, by operationId:
	// each is given the body and the path parameters decoded, and returns
	// a status and a JSON value, or an error that ErrorFor's type renders.
	Handlers() map[string]pipeline.Handler
	// Validation says how its bodies are read and checked: its codec, the
	// media types it reads as JSON, whether unknown fields are refused.
	// The server adds the rest of the options.
	Validation() pipeline.Options
	// Authenticate checks a routed request's credentials, before its body
	// is validated (pipeline.Options.Authenticate).
	Authenticate(c echo.Context) error
	// Gateway runs first on every request the vendor owns, routed or not,
	// as the vendor's gateway does (content negotiation, compression,
	// request ids); nil when there is nothing to do.
	Gateway() echo.MiddlewareFunc
	// Owns says whether a request that matched no route was meant for
	// the vendor, and so gets its error shape.
	Owns(r *http.Request) bool
	// ErrorFor is the vendor's answer to a failure that no handler of its
	// made (a request or response that breaks the spec, an unknown route,
	// a body over the limit, a fault): an error with a StatusCode method
	// that encoding/json writes as the vendor's body.
	ErrorFor(c echo.Context, status int, message string) error
	// Reset drops every session's state and loads the fixtures again.
	Reset()
	// Snapshot and Restore save and load the vendor's state (--state-file).
	Snapshot() (json.RawMessage, error)
	Restore(data json.RawMessage) error
}
