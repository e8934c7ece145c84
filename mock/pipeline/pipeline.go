// Package pipeline connects echo to kin-openapi. It turns each operation of
// an OpenAPI document into an echo route whose pipeline, for every request,
// authenticates it (Options.Authenticate), lets the server answer in its
// place (Options.Intercept: faults, Prefer), reads and decodes the body
// once, validates the request, runs the operation's Handler on the decoded
// body and path parameters, validates the value the Handler returned, and
// writes it once. What it learns of the request is kept in its State.
//
// It knows nothing of the vendors, and renders no error itself: a failure
// (a *RequestError, a *ResponseError, a handler's error) goes to
// Options.ErrFunc, as kin-openapi's openapi3filter hands its failures to an
// ErrFunc; a server turns them into the vendor's error body there. JSON is
// read and written by internal/jsonvalue.
//
// Routing is echo's, so the document's servers (a vendor host such as
// https://api.endorlabs.com/) never stop a request to 127.0.0.1 from matching,
// and a dotted parameter such as {tenant_meta.namespace} routes as written.
package pipeline

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/mock/internal/schemacheck"
)

// DefaultMaxBodyBytes bounds a request body when Options.MaxBodyBytes is 0.
const DefaultMaxBodyBytes = 10 << 20

// ViolationHeader carries a response violation when responses are lenient.
const ViolationHeader = "X-Repomock-Violation"

// Options tune a Validator. The zero value is strict and usable.
type Options struct {
	// LenientResponses lets a response that breaks the spec through, logged
	// and marked with the X-Repomock-Violation header, instead of replacing
	// it with a 500.
	LenientResponses bool
	// MaxBodyBytes bounds a request body; a larger one fails with status 413.
	// 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RejectUnknownFields makes a request body property that the schema
	// does not declare a violation (as protobuf-JSON APIs do).
	RejectUnknownFields bool
	// Authenticate, when set, runs after the route is found and before the
	// request is validated, so that a request without credentials gets the
	// vendor's 401 whatever its body. Its error is rendered and the response
	// checked like a handler's.
	Authenticate echo.HandlerFunc
	// Intercept, when set, runs after Authenticate and before the request
	// is validated: a server's faults and Prefer header, which may answer
	// in the handler's place (see Interception). nil lets the request go on.
	Intercept func(c echo.Context) *Interception
	// ErrFunc writes the answer to a failure: a request that breaks the
	// spec (*RequestError), an answer that does (*ResponseError), a body
	// over the limit, a handler's or Authenticate's error, an
	// Interception's. It writes into c.Response(), which the pipeline
	// holds until the answer is checked. nil means DefaultErrFunc.
	ErrFunc ErrFunc
	// Logger receives response violations. nil discards them.
	Logger *slog.Logger
	// Codec, when set, rewrites JSON bodies as the vendor's own decoder and
	// encoder see them, so that what is validated is what the vendor would
	// have read, and what goes on the wire.
	Codec Codec
	// DefaultMediaType, when set, is how a request body is read whose
	// Content-Type is missing or one the operation does not take, instead
	// of refusing it with 415 (grpc-gateway's fallback marshaler).
	DefaultMediaType string
	// LenientRequests hands the handler a request that breaks the spec
	// (its body nil), with the violations kept for Violations, instead of
	// refusing it: the proxy forwards it and reports them. A body over the
	// limit and Authenticate's refusals are still answered.
	LenientRequests bool
	// JSONMediaTypes are media types that are JSON under another name, such
	// as Endor's application/jsoncompact: a request body and a response of
	// such a type are validated exactly as application/json, so the spec
	// need not list them.
	JSONMediaTypes []string
	// Validator is ValidatorCompiled (the default, also for "") or
	// ValidatorKinOpenAPI: whether the compiled validator answers first
	// for kin-openapi. The messages are kin-openapi's either way.
	Validator string
	// Query, when set, reads the query as the vendor's gateway does
	// before it is validated: which keys are parameters, in what
	// spellings, and which the vendor ignores. Without it the query is
	// validated as it came, and keys the spec does not declare pass.
	Query QueryDecoder
}

// QueryDecoder reads a request's query the way a vendor's gateway does
// (see mock/vendors/endor/protojson for grpc-gateway's rules).
type QueryDecoder interface {
	// DecodeQuery returns query as the vendor reads it, each key under the
	// name of the parameter it sets and each value in its canonical
	// spelling; the keys the vendor ignores, as given and sorted; and
	// what it refuses. params are the operation's query parameters.
	DecodeQuery(params []*openapi3.Parameter, query url.Values) (url.Values, []string, []Violation)
}

// Codec reads and writes JSON bodies the way a vendor's decoder and
// encoder do (see mock/vendors/endor/protojson), so that what is validated
// is what the vendor would have read, and what goes on the wire.
type Codec interface {
	// Body prepares the reading or the writing of the bodies of schema
	// s, each checked as it is read or written by check, the compiled
	// validator's (mock/internal/schemacheck) for s as the Validator
	// visits s in that direction. It is called once per schema and
	// direction, when the Validator is built. check is nil where the
	// compiled validator does not check s (ValidatorKinOpenAPI, or a schema
	// it does not compile): the BodyCodec then checks nothing, and
	// kin-openapi does.
	Body(s *openapi3.Schema, check *schemacheck.Schema) BodyCodec
}

// BodyCodec reads or writes the bodies of one schema in one direction
// (Codec.Body), and checks them as it goes, so that a body is not walked
// again to be checked. Values are as encoding/json decodes them with
// UseNumber.
type BodyCodec interface {
	// Read returns a request body as the vendor reads it, before it is
	// handled; what the vendor refuses in it; and whether the value
	// returned passes the check (false without one, or with violations:
	// kin-openapi then decides, on the value returned).
	Read(body any) (any, []Violation, bool)
	// Append appends a 2xx answer to dst as the vendor writes it, in
	// jsonvalue.Marshal's form, and reports whether what it wrote passes
	// the check (false without one: kin-openapi then decides, on what it
	// wrote).
	Append(c echo.Context, dst []byte, body any) ([]byte, bool, error)
}

// Operation is one operation of the document, as the spec and echo name it.
type Operation struct {
	ID       string // operationId
	Method   string
	Path     string // as the spec writes it: /v1/namespaces/{tenant_meta.namespace}/repository-versions
	EchoPath string // as echo routes it:   /v1/namespaces/:tenant_meta.namespace/repository-versions
}

type route struct {
	op  Operation
	kin *routers.Route
	// query holds the operation's query parameters, its path's included.
	query []*openapi3.Parameter
	// answerCap is the size of the buffer a handler's answer is written
	// into: the last answer's size, and a little more. Most answers of an
	// operation are alike in size (a create's CodeArts answer is 60
	// bytes), so a fixed size would either be mostly unused or be grown
	// again on every answer; a larger one grows the buffer, as before.
	answerCap atomic.Int32
}

// Validator validates the requests and responses of one OpenAPI document.
// It is built once at start and safe for concurrent use.
type Validator struct {
	opts     Options
	routes   map[string]*route // method + " " + echo path
	ops      []Operation
	reqOpts  openapi3filter.Options
	respOpts openapi3filter.Options
	bodyOpts []openapi3.SchemaValidationOption

	respHeadOpts openapi3filter.Options
	respBodyOpts []openapi3.SchemaValidationOption

	// Body schemas that are visited without a direction (directionFree),
	// and the options they are visited with.
	reqFree, respFree map[*openapi3.Schema]bool
	freeOpts          []openapi3.SchemaValidationOption

	fast *fastPath // nil with ValidatorKinOpenAPI

	// The Codec's BodyCodec of each body schema, requests' and answers'
	// apart; nil without a Codec.
	reqCodec, respCodec map[*openapi3.Schema]BodyCodec
}

// New prepares a Validator for doc, which must already be loaded and
// validated. Every operation needs an operationId.
func New(doc *openapi3.T, opts Options) (*Validator, error) {
	if doc == nil || doc.Paths == nil {
		return nil, errors.New("openapi: document has no paths")
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.ErrFunc == nil {
		opts.ErrFunc = DefaultErrFunc
	}
	if err := CheckValidator(opts.Validator); err != nil {
		return nil, fmt.Errorf("openapi: validator %w", err)
	}
	v := &Validator{
		opts:   opts,
		routes: make(map[string]*route),
		reqOpts: openapi3filter.Options{
			MultiError: true,
			// Clients may send server-set fields; the vendors ignore them.
			ExcludeReadOnlyValidations: true,
			// Store what the client sent, not the schema's defaults.
			SkipSettingDefaults: true,
			// The body is decoded once, by validateRequest, which visits
			// its schema with bodyOpts.
			ExcludeRequestBody: true,
			// Authentication is the vendor's, in Options.Authenticate.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
		// What openapi3filter would visit a request body with for reqOpts.
		bodyOpts: []openapi3.SchemaValidationOption{
			openapi3.VisitAsRequest(), openapi3.MultiErrors(), openapi3.DisableReadOnlyValidation(),
		},
		respOpts: openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
		},
		// The status and the headers; validateResponse visits the body.
		respHeadOpts: openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
			ExcludeResponseBody:   true,
		},
		// What openapi3filter would visit a response body with for respOpts.
		respBodyOpts: []openapi3.SchemaValidationOption{openapi3.VisitAsResponse(), openapi3.MultiErrors()},
		reqFree:      make(map[*openapi3.Schema]bool),
		respFree:     make(map[*openapi3.Schema]bool),
		freeOpts:     []openapi3.SchemaValidationOption{openapi3.MultiErrors()},
	}
	paths := doc.Paths.Map()
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for k := range paths {
			if !yield(k) {
				return
			}
		}
	}) {
		item := paths[p]
		ops := item.Operations()
		for _, method := range slices.Sorted(func(yield func(string) bool) {
			for k := range ops {
				if !yield(k) {
					return
				}
			}
		}) {
			op := ops[method]
			if op.OperationID == "" {
				return nil, fmt.Errorf("openapi: %s %s has no operationId", method, p)
			}
			r := &route{
				op:    Operation{ID: op.OperationID, Method: method, Path: p, EchoPath: EchoPath(p)},
				kin:   &routers.Route{Spec: doc, Path: p, PathItem: item, Method: method, Operation: op},
				query: queryParams(item.Parameters, op.Parameters),
			}
			if rb := op.RequestBody; rb != nil && rb.Value != nil {
				for _, mt := range rb.Value.Content {
					if mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
						v.reqFree[mt.Schema.Value] = directionFree(mt.Schema.Value, false)
					}
				}
			}
			if op.Responses != nil {
				for _, resp := range op.Responses.Map() {
					if resp == nil || resp.Value == nil {
						continue
					}
					for _, mt := range resp.Value.Content {
						if mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
							v.respFree[mt.Schema.Value] = directionFree(mt.Schema.Value, true)
						}
					}
				}
			}
			key := method + " " + r.op.EchoPath
			if _, dup := v.routes[key]; dup {
				return nil, fmt.Errorf("openapi: %s %s routes like another path", method, p)
			}
			v.routes[key] = r
			v.ops = append(v.ops, r.op)
		}
	}
	if opts.Validator != ValidatorKinOpenAPI {
		v.fast = v.compile(doc)
	}
	if opts.Codec != nil {
		v.reqCodec = make(map[*openapi3.Schema]BodyCodec, len(v.reqFree))
		for s := range v.reqFree {
			v.reqCodec[s] = opts.Codec.Body(s, v.fast.check(s, false))
		}
		v.respCodec = make(map[*openapi3.Schema]BodyCodec, len(v.respFree))
		for s := range v.respFree {
			v.respCodec[s] = opts.Codec.Body(s, v.fast.check(s, true))
		}
	}
	return v, nil
}

// queryParams lists the query parameters of an operation and its path;
// the operation's own win over its path's of the same name.
func queryParams(path, op openapi3.Parameters) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	for _, refs := range []openapi3.Parameters{op, path} {
		for _, ref := range refs {
			if p := ref.Value; p != nil && p.In == openapi3.ParameterInQuery &&
				!slices.ContainsFunc(out, func(q *openapi3.Parameter) bool { return q.Name == p.Name }) {
				out = append(out, p)
			}
		}
	}
	return out
}

var pathParam = regexp.MustCompile(`\{([^}/]+)\}`)

// EchoPath converts an OpenAPI path template to echo's syntax:
// /a/{b}/c → /a/:b/c. Parameter names keep their dots.
func EchoPath(openapiPath string) string {
	return pathParam.ReplaceAllString(openapiPath, ":$1")
}

// Operations lists the document's operations, sorted by path and method.
func (v *Validator) Operations() []Operation { return slices.Clone(v.ops) }

// Router is what Register adds routes to: *echo.Echo or *echo.Group.
type Router interface {
	Add(method, path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

// Register adds one route per operation, each served by handlers[operationId]
// behind m (which runs first) and the Validator. Every operation needs a
// handler and every handler an operation, so that a spec and its fake
// cannot drift apart silently.
func (v *Validator) Register(r Router, handlers map[string]Handler, m ...echo.MiddlewareFunc) error {
	var missing, stray []string
	for _, op := range v.ops {
		if handlers[op.ID] == nil {
			missing = append(missing, op.ID)
		}
	}
	for id := range handlers {
		if !slices.ContainsFunc(v.ops, func(o Operation) bool { return o.ID == id }) {
			stray = append(stray, id)
		}
	}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, "operations without a handler: "+strings.Join(missing, ", "))
	}
	if len(stray) > 0 {
		slices.Sort(stray)
		problems = append(problems, "handlers without an operation: "+strings.Join(stray, ", "))
	}
	if len(problems) > 0 {
		return errors.New("openapi: " + strings.Join(problems, "; "))
	}
	for _, op := range v.ops {
		rt := v.routes[op.Method+" "+op.EchoPath]
		// Put behind m once, here: echo would wrap a route's handler in
		// its middleware again on every request.
		h := v.handle(rt, handlers[op.ID])
		for i := len(m) - 1; i >= 0; i-- {
			h = m[i](h)
		}
		r.Add(op.Method, op.EchoPath, h)
	}
	return nil
}
