package contracts

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/repomock/repomock/specs"
)

// Vendor is one API the suite certifies: its spec, where it is, how to
// authenticate to it, what its errors look like, and the behaviour checks
// that apply to it. A vendor package (contracts/vendors/...) builds one
// from its configuration. Any other API is described by its Name, Spec and
// URL (and Authorize, when it wants credentials) and gets the generic
// checks, which its spec alone drives (see Checks).
//
// The suite only reads a Vendor: one value may serve several runs.
type Vendor struct {
	// Name labels the vendor's results, for example "Acme Widgets".
	Name string
	// Short names the vendor in a configuration error, for example
	// "Widgets"; default Name.
	Short string
	// Key starts the names of the vendor's scenarios in a recording
	// (acmewidgets.read_after_write.…); default Name in lower case, without
	// spaces. Two vendors of a target may not share one.
	Key string
	// Spec is the file name of the vendor's OpenAPI document in SpecFS;
	// a nil SpecFS means the documents repomock embeds (package specs).
	Spec   string
	SpecFS fs.FS
	// URL is the vendor's base URL. A vendor without one is not checked:
	// Report.Unconfigured names it.
	URL string
	// Missing says what the vendor's configuration lacks for it to be
	// checked ("Acme Widgets needs a token"); a run
	// with it does not start.
	Missing string
	// Authorize adds credentials to a request about to be sent, whose body
	// is body; nil sends every request as it is.
	Authorize func(s *Suite, req *http.Request, body []byte) error
	// Envelope checks that an error body is the vendor's error envelope;
	// nil takes any body.
	Envelope func(status int, body []byte) error
	// Code reads the vendor's error code from an error body ("" if none);
	// nil reads none.
	Code func(body map[string]any) string
	// Invalid checks that x is the vendor's documented rejection of invalid
	// input, and nothing else: not a 401, a 404 or a 5xx in the same
	// envelope. nil takes HTTP 400 or 422 in the vendor's envelope.
	Invalid func(x *Exchange) error
	// Gone checks that x is the vendor's answer for an object that does not
	// exist. nil takes HTTP 404 in the vendor's envelope.
	Gone func(x *Exchange) error
	// Preflight makes one harmless authenticated call before any check, so
	// that no refusal of the credentials passes for a rejection; nil makes
	// none. RefusesAuth, when set, recognises a refusal of the credentials
	// that is not a 401 or a 403.
	Preflight   func(ctx context.Context, s *Suite) (*Exchange, error)
	RefusesAuth func(x *Exchange) bool
	// Uncalled says, by operationId, why the checks do not call an
	// operation of the spec with this configuration (Endor's API key
	// exchange, when the credentials are a token): the conformance checks,
	// which read the answers the others got, say so when they skip it.
	Uncalled map[string]string
	// Checks are the behaviour checks that apply to the vendor, by check
	// name (CheckUpsert, …). Each makes its own objects, reports per
	// operation (Suite.Check), and registers their deletion
	// (Suite.OnCleanup). nil gives the vendor GenericChecks instead.
	Checks map[string]func(s *Suite, r Reporter)
}

// key is v.Key, or its default.
func (v *Vendor) key() string {
	if v.Key != "" {
		return v.Key
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, v.Name)
}

// short is v.Short, or its default.
func (v *Vendor) short() string {
	if v.Short != "" {
		return v.Short
	}
	return v.Name
}

// invalid is the vendor's rejection of invalid input.
func (v *Vendor) invalid(x *Exchange) error {
	if v.Invalid != nil {
		return v.Invalid(x)
	}
	return inEnvelope(x, "the rejection of invalid input", http.StatusBadRequest, http.StatusUnprocessableEntity)
}

// gone is the vendor's answer for an object that does not exist.
func (v *Vendor) gone(x *Exchange) error {
	if v.Gone != nil {
		return v.Gone(x)
	}
	return inEnvelope(x, "not found", http.StatusNotFound)
}

// inEnvelope checks x has one of the statuses, in its vendor's envelope;
// what names the answer wanted in a failure.
func inEnvelope(x *Exchange, what string, statuses ...int) error {
	if !slices.Contains(statuses, x.Status) {
		return fmt.Errorf("want %s, HTTP %s: %s", what, joinInts(statuses, " or "), x)
	}
	if err := x.Op.Vendor.envelope(x.Status, x.Body); err != nil {
		return fmt.Errorf("HTTP %d is not in the vendor's error envelope (%v): %s", x.Status, err, x)
	}
	return nil
}

func joinInts(ns []int, sep string) string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	return strings.Join(out, sep)
}

// envelope checks body is in the vendor's error envelope (any body, when
// the vendor has none).
func (v *Vendor) envelope(status int, body []byte) error {
	if v.Envelope == nil {
		return nil
	}
	return v.Envelope(status, body)
}

// code reads the vendor's error code from body.
func (v *Vendor) code(body map[string]any) string {
	if v.Code == nil {
		return ""
	}
	return v.Code(body)
}

// Operation is one operation of a vendor's spec, ready to call.
type Operation struct {
	Vendor *Vendor
	// ID is the operationId; Method and Path (the spec's template) say
	// where it is served.
	ID, Method, Path string
	route            *routers.Route
}

// RequestSchema is the JSON body schema of the operation, or nil.
func (op *Operation) RequestSchema() *openapi3.Schema {
	rb := op.route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return nil
	}
	if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
		return mt.Schema.Value
	}
	return nil
}

// api is a vendor in one run: its operations, by operationId, and the
// behaviour checks that apply to it.
type api struct {
	*Vendor
	ops    map[string]*Operation
	checks map[string]func(s *Suite, r Reporter)
}

// loadAPI loads v's spec.
func loadAPI(ctx context.Context, v *Vendor) (*api, error) {
	fsys := v.SpecFS
	if fsys == nil {
		fsys = specs.FS()
	}
	doc, err := specs.Load(ctx, fsys, v.Spec)
	if err != nil {
		return nil, fmt.Errorf("contracts: %w", err)
	}
	a := &api{Vendor: v, ops: map[string]*Operation{}}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			a.ops[op.OperationID] = &Operation{
				Vendor: v, ID: op.OperationID, Method: method, Path: path,
				route: &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
			}
		}
	}
	return a, nil
}
