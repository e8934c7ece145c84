// Package openapi connects echo to kin-openapi. It turns each operation of an
// OpenAPI document into an echo route whose pipeline, for every request,
// reads and decodes the body once, validates the request, runs the
// operation's Handler on the decoded body and path parameters, validates
// the value the Handler returned, and writes it once.
//
// It knows nothing of the vendors. Failures come back as *RequestError and
// *ResponseError, rendered by whatever error handler the echo instance has;
// a vendor turns them into its own error body there.
//
// Routing is echo's, so the document's servers (a vendor host such as
// https://api.endorlabs.com/) never stop a request to 127.0.0.1 from matching,
// and a dotted parameter such as {tenant_meta.namespace} routes as written.
package pipeline

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
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

// Codec rewrites decoded JSON bodies the way a vendor's decoder and encoder
// would (see mock/vendors/endor/protojson). Values are as encoding/json decodes them with
// UseNumber.
type Codec interface {
	// DecodeRequest returns the request body as the vendor reads it, before
	// it is validated against schema and handled, or what it refuses in it.
	DecodeRequest(schema *openapi3.Schema, body any) (any, []Violation)
	// EncodeResponse returns a 2xx response body as the vendor writes it,
	// before it is validated against schema and sent.
	EncodeResponse(c echo.Context, schema *openapi3.Schema, body any) any
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
		r.Add(op.Method, op.EchoPath, v.handle(rt, handlers[op.ID]), m...)
	}
	return nil
}

// Keys under which the Validator leaves its findings in the echo context.
const (
	operationKey  = "repomock.openapi.operation"
	violationsKey = "repomock.openapi.violations"
	paramsKey     = "repomock.openapi.params"
	ignoredKey    = "repomock.openapi.ignored"
)

// OperationID returns the operationId of the request's route, or "" when
// the request matched no operation of a Validator.
func OperationID(c echo.Context) string {
	id, _ := c.Get(operationKey).(string)
	return id
}

// Violations returns what the Validator found wrong with the request or the
// response, if anything.
func Violations(c echo.Context) []Violation {
	vs, _ := c.Get(violationsKey).([]Violation)
	return vs
}

// IgnoredQuery returns the query keys of the request that the vendor
// ignores (Options.Query), as given and sorted.
func IgnoredQuery(c echo.Context) []string {
	keys, _ := c.Get(ignoredKey).([]string)
	return keys
}

func addViolations(c echo.Context, vs []Violation) {
	c.Set(violationsKey, append(Violations(c), vs...))
}

// handle is the pipeline of one route: read and check the request (behind
// Options.Authenticate), run h on what was decoded, check the answer h
// returned, and write it once. The response is buffered until checked, so
// that one which breaks the spec is replaced whole.
func (v *Validator) handle(rt *route, h Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		// echo lets a trailing parameter take the rest of the path;
		// an OpenAPI path parameter is one segment.
		for _, val := range c.ParamValues() {
			if strings.Contains(val, "/") {
				return echo.ErrNotFound
			}
		}
		c.Set(operationKey, rt.op.ID)
		params := pathParams(c) // decoded once, for the checks, Authenticate and the handler
		c.Set(paramsKey, params)

		res := c.Response()
		out := res.Writer
		buf := newBufferedWriter()
		res.Writer = buf
		defer func() {
			res.Writer = out
			if r := recover(); r != nil {
				// Nothing reached the client: let whoever recovers write a fresh response.
				res.Committed, res.Status, res.Size = false, 0, 0
				panic(r)
			}
		}()

		var written *answer // what the handler answered, as written
		ctx := c.Request().Context()
		body, query, err := v.serve(c, rt, params)
		if ctx.Err() != nil {
			// The client has gone: nothing more is done for it.
			return ctx.Err()
		}
		if err == nil {
			var status int
			var value any
			if status, value, err = h(c, Request{Body: body, Params: params, Query: query, Operation: rt.kin.Operation}); err == nil {
				written, err = v.write(c, rt, status, value)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err() // nor is its answer checked
		}
		if err != nil {
			c.Error(err) // rendered into buf by the echo error handler
		}
		v.checkResponse(c, rt, params, buf, written)
		return buf.flushTo(out)
	}
}

// serve reads, authenticates and checks the request, and returns its body
// and its query as decoded for the handler.
func (v *Validator) serve(c echo.Context, rt *route, params Params) (any, url.Values, error) {
	// The body is read first, within the limit, so that a body too large is
	// refused before anything else and Authenticate may read it (a request
	// signature covers the body's hash).
	body, err := v.readBody(c.Request())
	if err == nil && v.opts.Authenticate != nil {
		setBody(c.Request(), body)
		if aerr := v.opts.Authenticate(c); aerr != nil {
			return nil, nil, aerr
		}
	}
	var (
		value any
		query url.Values
	)
	if err == nil {
		query, err = v.readQuery(c, rt)
		if err == nil {
			restore := v.asJSON(c.Request().Header, rt)
			value, err = v.validateRequest(c, rt, params, query, body)
			restore()
		}
		if err != nil && v.opts.LenientRequests {
			addViolations(c, err.Violations)
			setBody(c.Request(), body)
			return nil, c.QueryParams(), nil
		}
	}
	if err != nil {
		addViolations(c, err.Violations)
		return nil, nil, err
	}
	return value, query, nil
}

// readQuery returns the request's query as Options.Query reads it, and
// notes the keys it ignores. Without a query it is nil, and costs nothing.
func (v *Validator) readQuery(c echo.Context, rt *route) (url.Values, *RequestError) {
	if c.Request().URL.RawQuery == "" {
		return nil, nil
	}
	query := c.QueryParams()
	if v.opts.Query == nil {
		return query, nil
	}
	query, ignored, vs := v.opts.Query.DecodeQuery(rt.query, query)
	if len(ignored) > 0 {
		c.Set(ignoredKey, ignored)
	}
	if len(vs) > 0 {
		return nil, &RequestError{Status: http.StatusBadRequest, Violations: vs}
	}
	return query, nil
}

// answer is a handler's JSON answer as the Validator wrote it: the value
// it checks against schema.
type answer struct {
	schema *openapi3.Schema
	value  any
}

// write answers with status and body, a handler's answer. A JSON body the
// spec declares is made a JSON value once, written by the vendor's codec
// (for a 2xx) and MarshalJSON, and returned for checkResponse to visit;
// anything else is written as it is and left whole to kin-openapi, which
// says what is wrong with it.
func (v *Validator) write(c echo.Context, rt *route, status int, body any) (*answer, error) {
	if raw, ok := body.(*Raw); ok {
		return nil, writeRaw(c, raw) // checked as received, in checkResponse
	}
	if body == nil {
		return nil, c.NoContent(status)
	}
	h := c.Response().Header()
	ct := h.Get(echo.HeaderContentType)
	if ct == "" {
		ct = echo.MIMEApplicationJSON
		h.Set(echo.HeaderContentType, ct)
	}
	if v.isJSONAlias(ct) {
		ct = echo.MIMEApplicationJSON
	}
	value, data, err := jsonValue(body)
	if err != nil {
		return nil, err
	}
	a := &answer{schema: responseSchema(rt, status, ct), value: value}
	if a.schema != nil && v.opts.Codec != nil && status/100 == 2 {
		a.value = v.opts.Codec.EncodeResponse(c, a.schema, value)
		data = nil // written from the codec's value
	}
	if data == nil {
		if data, err = MarshalJSON(a.value); err != nil {
			return nil, err
		}
	}
	res := c.Response()
	res.WriteHeader(status)
	if _, err := res.Write(data); err != nil {
		return nil, err
	}
	if a.schema == nil {
		return nil, nil
	}
	return a, nil
}

// isJSONAlias reports whether the media type of contentType (its
// parameters aside) is one of Options.JSONMediaTypes.
func (v *Validator) isJSONAlias(contentType string) bool {
	if len(v.opts.JSONMediaTypes) == 0 || contentType == "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && slices.Contains(v.opts.JSONMediaTypes, mt)
}

// asJSON makes a request whose Content-Type is one of
// Options.JSONMediaTypes read as application/json while it is validated,
// and one whose Content-Type the operation does not take read as
// Options.DefaultMediaType; the returned func puts the client's header back
// for the handler and the journal.
func (v *Validator) asJSON(h http.Header, rt *route) (restore func()) {
	ct, had := h.Get(echo.HeaderContentType), len(h.Values(echo.HeaderContentType)) > 0
	as := ""
	switch rb := rt.kin.Operation.RequestBody; {
	case v.isJSONAlias(ct):
		as = echo.MIMEApplicationJSON
	case v.opts.DefaultMediaType != "" && rb != nil && rb.Value != nil && rb.Value.Content.Get(ct) == nil:
		as = v.opts.DefaultMediaType
	}
	if as == "" {
		return func() {}
	}
	h.Set(echo.HeaderContentType, as)
	return func() {
		if had {
			h.Set(echo.HeaderContentType, ct)
		} else {
			h.Del(echo.HeaderContentType)
		}
	}
}

// setBody gives the request a fresh reader over data, for the next reader.
func setBody(req *http.Request, data []byte) {
	req.Body = io.NopCloser(bytes.NewReader(data))
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	req.ContentLength = int64(len(data))
}

func pathParams(c echo.Context) Params {
	names, values := c.ParamNames(), c.ParamValues()
	params := make(Params, len(names))
	for i, name := range names {
		if i >= len(values) {
			break
		}
		val := values[i]
		if c.Request().URL.RawPath != "" { // echo routed on the raw path: values are still escaped
			if u, err := url.PathUnescape(val); err == nil {
				val = u
			}
		}
		params[name] = val
	}
	return params
}

// validateRequest checks the request with kin-openapi. The body is read
// and decoded once: kin-openapi checks the parameters (the query as
// readQuery read it) and headers, and the body's schema is visited on the
// decoded value, after the vendor's codec. It returns that value, for the
// handler. When the compiled validator passes it all, kin-openapi is not
// asked; otherwise kin-openapi decides, and words what it refuses.
func (v *Validator) validateRequest(c echo.Context, rt *route, params Params, query url.Values, body []byte) (any, *RequestError) {
	req := c.Request()
	setBody(req, body)
	var (
		value    any
		schema   *openapi3.Schema
		bodyErrs []error
	)
	rb := rt.kin.Operation.RequestBody
	switch {
	case rb == nil || rb.Value == nil:
	case len(body) == 0:
		if rb.Value.Required {
			bodyErrs = append(bodyErrs, &openapi3filter.RequestError{RequestBody: rb.Value, Err: openapi3filter.ErrInvalidRequired})
		}
	default:
		if err := checkBody(req, rb.Value, body); err != nil {
			return nil, err
		}
		if mt := rb.Value.Content.Get(req.Header.Get(echo.HeaderContentType)); mt != nil && mt.Schema != nil {
			schema = mt.Schema.Value
		}
		// One scan: the value (when there is a schema to visit it with),
		// and what encoding/json would take silently.
		doc := jsonvalue.Scan(req.Context(), body, schema != nil)
		if v := strictViolation(doc); v != nil {
			return nil, &RequestError{Status: http.StatusBadRequest, Violations: []Violation{*v}}
		}
		if schema == nil {
			break
		}
		if doc.Err != nil {
			bodyErrs = append(bodyErrs, &openapi3filter.RequestError{RequestBody: rb.Value, Reason: "failed to decode request body",
				Err: &openapi3filter.ParseError{Kind: openapi3filter.KindInvalidFormat, Cause: doc.Err}})
			schema = nil
			break
		}
		value = doc.Value
		if v.opts.Codec != nil {
			var vs []Violation
			if value, vs = v.opts.Codec.DecodeRequest(schema, value); len(vs) > 0 {
				return nil, &RequestError{Status: http.StatusBadRequest, Violations: vs}
			}
		}
	}
	if len(bodyErrs) == 0 && v.fast.request(rt, req, params, query, schema, value) {
		setBody(req, body)
		return value, nil
	}
	if schema != nil {
		opts, _ := v.requestBody(schema)
		if err := schema.VisitJSON(value, opts...); err != nil {
			bodyErrs = append(bodyErrs, &openapi3filter.RequestError{RequestBody: rb.Value, Reason: "doesn't match schema", Err: err})
		}
	}
	input := &openapi3filter.RequestValidationInput{
		Request:     req,
		PathParams:  params,
		QueryParams: query,
		Route:       rt.kin,
		Options:     &v.reqOpts,
	}
	var vs []Violation
	if err := openapi3filter.ValidateRequest(req.Context(), input); err != nil {
		vs = violations(err)
	}
	for _, err := range bodyErrs {
		vs = append(vs, violations(err)...)
	}
	if len(vs) > 0 {
		return nil, &RequestError{Status: http.StatusBadRequest, Violations: vs}
	}
	if v.opts.RejectUnknownFields && schema != nil {
		unknownFields(schema, value, nil, &vs)
		if len(vs) > 0 {
			return nil, &RequestError{Status: http.StatusBadRequest, Violations: vs}
		}
	}
	setBody(req, body)
	return value, nil
}

// readBody reads the whole body within the limit.
func (v *Validator) readBody(req *http.Request) ([]byte, *RequestError) {
	limit := v.opts.MaxBodyBytes
	tooLarge := &RequestError{Status: http.StatusRequestEntityTooLarge, Violations: []Violation{{
		Field: "body", Reason: fmt.Sprintf("request body exceeds the limit of %d bytes", limit),
	}}}
	if req.ContentLength > limit {
		return nil, tooLarge
	}
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	if err != nil {
		return nil, &RequestError{Status: http.StatusBadRequest, Violations: []Violation{{Field: "body", Reason: "could not be read: " + clip(err.Error())}}}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge
	}
	return data, nil
}

// checkBody checks the content type (before a JSON decoder reads a form)
// and UTF-8, which kin-openapi does not.
func checkBody(req *http.Request, rb *openapi3.RequestBody, data []byte) *RequestError {
	ct := req.Header.Get(echo.HeaderContentType)
	if len(rb.Content) > 0 && rb.Content.Get(ct) == nil {
		want := slices.Sorted(func(yield func(string) bool) {
			for k := range rb.Content {
				if !yield(k) {
					return
				}
			}
		})
		reason := "must be " + strings.Join(want, " or ")
		if ct == "" {
			reason = "is required: " + strings.Join(want, " or ")
		} else {
			reason += fmt.Sprintf(", not %q", clip(ct))
		}
		return &RequestError{Status: http.StatusUnsupportedMediaType, Violations: []Violation{{Field: "Content-Type", Reason: reason}}}
	}
	if !utf8.Valid(data) {
		return &RequestError{Status: http.StatusBadRequest, Violations: []Violation{{Field: "body", Reason: "is not valid UTF-8"}}}
	}
	return nil
}

// strictViolation is what a JSON body holds that encoding/json would take
// silently: a duplicate key (of which a vendor might read either value) or
// data after the value. A syntax error is the validator's to report.
func strictViolation(doc jsonvalue.Doc) *Violation {
	switch {
	case doc.Duplicate:
		return &Violation{Field: doc.Path, Reason: "duplicate field"}
	case doc.Trailing:
		return &Violation{Field: "body", Reason: "unexpected data after the JSON value"}
	}
	return nil
}

func (v *Validator) checkResponse(c echo.Context, rt *route, params Params, buf *bufferedWriter, a *answer) {
	err := v.validateResponse(c, rt, params, buf, a)
	if err == nil {
		return
	}
	respErr := &ResponseError{OperationID: rt.op.ID, Status: buf.status, Violations: violations(err)}
	addViolations(c, respErr.Violations)
	v.opts.Logger.Error("response violates the spec", "operation", rt.op.ID, "status", buf.status, "violations", respErr.Error())
	if v.opts.LenientResponses {
		// Added: a request's violations may be there already (LenientRequests).
		buf.header.Add(ViolationHeader, headerSafe(joinViolations(respErr.Violations)))
		return
	}
	// Replace what the handler wrote with the vendor's 500.
	buf.reset()
	res := c.Response()
	res.Committed, res.Status, res.Size = false, 0, 0
	c.Error(respErr)
}

// validateResponse checks the response in buf with kin-openapi. A
// handler's JSON answer a is checked as the value it was written from:
// kin-openapi checks the status and the headers, and the schema is visited
// on the value. An error body, rendered by the error handler, is decoded
// once to be visited the same way. Anything else (a status or content type
// the spec does not declare, a body that is not JSON, no body) is left
// whole to kin-openapi, which says what is wrong with it. As for a
// request, what the compiled validator passes kin-openapi does not check.
func (v *Validator) validateResponse(c echo.Context, rt *route, params Params, buf *bufferedWriter, a *answer) error {
	ct := buf.header.Get(echo.HeaderContentType)
	alias := v.isJSONAlias(ct)
	if alias {
		ct = echo.MIMEApplicationJSON
	}
	whole := false // the body is left to kin-openapi as written
	if a == nil || a.schema == nil {
		// Not a handler's answer: an error the error handler wrote.
		a = &answer{schema: responseSchema(rt, buf.status, ct)}
		if a.schema != nil && buf.body.Len() > 0 {
			var err error
			if a.value, err = jsonvalue.Decode(c.Request().Context(), buf.body.Bytes()); err != nil {
				a.schema = nil
			}
		}
		whole = a.schema == nil || buf.body.Len() == 0
	}
	if !whole && v.fast.response(rt, c.Request().Method, buf.status, buf.header, a.schema, a.value) {
		return nil
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    c.Request(),
			PathParams: params,
			Route:      rt.kin,
			Options:    &v.reqOpts,
		},
		Status:  buf.status,
		Header:  buf.header,
		Options: &v.respOpts,
	}
	if alias {
		input.Header = buf.header.Clone()
		input.Header.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	}
	if whole {
		input.SetBodyBytes(buf.body.Bytes())
		return openapi3filter.ValidateResponse(c.Request().Context(), input)
	}
	input.Options = &v.respHeadOpts
	if err := openapi3filter.ValidateResponse(c.Request().Context(), input); err != nil {
		return err
	}
	opts, _ := v.responseBody(a.schema)
	if err := a.schema.VisitJSON(a.value, opts...); err != nil {
		return &openapi3filter.ResponseError{Input: input, Reason: "response body doesn't match schema", Err: err}
	}
	return nil
}

// responseSchema is the schema of the JSON body the spec declares for
// status and contentType, or nil.
func responseSchema(rt *route, status int, contentType string) *openapi3.Schema {
	resp := rt.kin.Operation.Responses.Status(status)
	if resp == nil {
		resp = rt.kin.Operation.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != echo.MIMEApplicationJSON {
		return nil
	}
	mt := resp.Value.Content.Get(contentType)
	if mt == nil || mt.Schema == nil {
		return nil
	}
	return mt.Schema.Value
}

func headerSafe(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 512 {
		s = s[:512]
	}
	return s
}

// bufferedWriter holds a response until it has been checked.
type bufferedWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newBufferedWriter() *bufferedWriter {
	return &bufferedWriter{header: make(http.Header), status: http.StatusOK}
}

func (b *bufferedWriter) Header() http.Header         { return b.header }
func (b *bufferedWriter) WriteHeader(status int)      { b.status = status }
func (b *bufferedWriter) Write(p []byte) (int, error) { return b.body.Write(p) }

func (b *bufferedWriter) reset() {
	b.header = make(http.Header)
	b.status = http.StatusOK
	b.body.Reset()
}

func (b *bufferedWriter) flushTo(w http.ResponseWriter) error {
	h := w.Header()
	for k, vs := range b.header {
		h[k] = vs
	}
	w.WriteHeader(b.status)
	if b.body.Len() == 0 {
		return nil // a 204 or 304 takes no body, not even an empty write
	}
	_, err := w.Write(b.body.Bytes())
	return err
}
