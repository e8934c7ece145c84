package schemacheck

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// Params is an operation's parameters and security, compiled: what
// openapi3filter.ValidateRequest checks of a request besides its body.
// It is safe for concurrent use.
type Params struct {
	params []param
	// parseQuery is set when the query must be read as url.ParseQuery
	// reads it: the GODEBUG variable may change its limit on parameters.
	parseQuery bool
}

// Where a parameter is.
const (
	inPath = iota
	inQuery
	inHeader
)

// param is one parameter, or one response header.
type param struct {
	in         int
	name       string // a header's in canonical form
	required   bool
	allowEmpty bool
	kind       string // the schema's one type; "int32" for an integer of that format
	node       *node  // nil: no schema, nothing to check
}

// CompileParams compiles the parameters of op on item and the security it
// requires, for openapi3filter.ValidateRequest with opts, which must
// exclude the request body and skip setting defaults, and whose
// AuthenticationFunc must accept every request (the pipeline
// authenticates before, as the vendor does): a requirement then passes
// when every scheme it names is declared. The error says what it does not
// mirror; those parameters stay on kin-openapi.
func CompileParams(doc *openapi3.T, item *openapi3.PathItem, op *openapi3.Operation, opts *openapi3filter.Options) (*Params, error) {
	switch {
	case doc.IsOpenAPI31OrLater():
		return nil, errors.New("parameters: OpenAPI 3.1 (JSON Schema 2020-12)")
	case !opts.ExcludeRequestBody || !opts.SkipSettingDefaults || opts.AuthenticationFunc == nil || len(opts.SchemaValidationOptions) > 0:
		return nil, errors.New("parameters: options other than the pipeline's")
	}
	security := op.Security
	if security == nil {
		security = &doc.Security
	}
	if !securityPasses(doc, *security) {
		return nil, errors.New("security: a requirement names a scheme the document does not declare")
	}
	c := newCompiler(Mode{})
	p := &Params{parseQuery: strings.Contains(os.Getenv("GODEBUG"), "urlmaxqueryparams")}
	var all []*openapi3.Parameter
	for _, r := range item.Parameters {
		if op.Parameters.GetByInAndName(r.Value.In, r.Value.Name) == nil {
			all = append(all, r.Value)
		}
	}
	for _, r := range op.Parameters {
		all = append(all, r.Value)
	}
	for _, prm := range all {
		if opts.ExcludeRequestQueryParams && prm.In == openapi3.ParameterInQuery || prm.Schema == nil && prm.Content == nil {
			continue // not checked, as ValidateParameter does not check one without a schema
		}
		sm, err := prm.SerializationMethod()
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", prm.Name, err)
		}
		var in int
		switch {
		case prm.In == openapi3.ParameterInPath && sm.Style == openapi3.SerializationSimple:
			in = inPath
		case prm.In == openapi3.ParameterInQuery && sm.Style == openapi3.SerializationForm:
			in = inQuery
		case prm.In == openapi3.ParameterInHeader && sm.Style == openapi3.SerializationSimple:
			in = inHeader
		default:
			return nil, fmt.Errorf("parameter %s: in %s, style %s", prm.Name, prm.In, sm.Style)
		}
		cp, err := c.param(in, prm.Name, prm.Schema, prm.Content)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", prm.Name, err)
		}
		cp.required, cp.allowEmpty = prm.Required, prm.AllowEmptyValue
		p.params = append(p.params, cp)
	}
	return p, nil
}

// securityPasses is ValidateSecurityRequirements with an
// AuthenticationFunc that accepts everything.
func securityPasses(doc *openapi3.T, srs openapi3.SecurityRequirements) bool {
	if len(srs) == 0 {
		return true
	}
	for _, sr := range srs {
		declared := true
		for name := range sr {
			if doc.Components == nil || doc.Components.SecuritySchemes[name] == nil || doc.Components.SecuritySchemes[name].Value == nil {
				declared = false
			}
		}
		if declared {
			return true
		}
	}
	return false
}

// param compiles a parameter or header that kin-openapi decodes as a
// primitive: a schema of one type, string, integer, number or boolean,
// and none of not, oneOf, anyOf, allOf (which change its decoding).
func (c *compiler) param(in int, name string, schema *openapi3.SchemaRef, content openapi3.Content) (param, error) {
	p := param{in: in, name: name}
	if in == inHeader {
		p.name = http.CanonicalHeaderKey(name)
	}
	switch {
	case content != nil:
		return p, errors.New("content")
	case schema == nil:
		return p, nil
	case schema.Value == nil:
		return p, errors.New("unresolved reference")
	}
	s := schema.Value
	if s.Not != nil || len(s.OneOf) > 0 || len(s.AnyOf) > 0 || len(s.AllOf) > 0 {
		return p, errors.New("a composed schema")
	}
	switch t := s.Type.Slice(); {
	case len(t) != 1:
		return p, errors.New("not exactly one type")
	case t[0] == openapi3.TypeInteger && s.Format == "int32":
		p.kind = "int32"
	case t[0] == openapi3.TypeString, t[0] == openapi3.TypeInteger, t[0] == openapi3.TypeNumber, t[0] == openapi3.TypeBoolean:
		p.kind = t[0]
	default:
		return p, fmt.Errorf("type %s", t[0])
	}
	var err error
	p.node, err = c.compile(s, nil)
	return p, err
}

// Valid reports whether ValidateRequest, with the options CompileParams
// was given and the request body excluded, passes req with the path
// parameters path.
func (p *Params) Valid(req *http.Request, path map[string]string) bool {
	return p.valid(req, path, nil, false)
}

// ValidQuery is Valid with the query as query has it rather than as the
// request's URL does: the query a vendor's gateway read (grpc-gateway's
// names and spellings), which is what kin-openapi is then given.
func (p *Params) ValidQuery(req *http.Request, path map[string]string, query url.Values) bool {
	return p.valid(req, path, query, true)
}

func (p *Params) valid(req *http.Request, path map[string]string, query url.Values, given bool) bool {
	for i := range p.params {
		prm := &p.params[i]
		var raw string
		var found bool
		switch prm.in {
		case inPath:
			raw, found = path[prm.name]
			found = found && raw != ""
		case inQuery:
			if given {
				raw, found = firstValue(query[prm.name])
				break
			}
			if !p.parseQuery && !strings.ContainsAny(req.URL.RawQuery, "%+;") {
				raw, found = queryValue(req.URL.RawQuery, prm.name)
				break
			}
			if query == nil {
				query, _ = url.ParseQuery(req.URL.RawQuery)
			}
			raw, found = firstValue(query[prm.name])
		case inHeader:
			var vs []string
			vs, found = req.Header[prm.name]
			if len(vs) == 0 {
				// Found, but no value: nil, which only allowEmptyValue lets through.
				if found && !prm.allowEmpty {
					return false
				}
				if !found && prm.required {
					return false
				}
				continue
			}
			raw = vs[0]
		}
		if !found {
			if prm.required {
				return false
			}
			continue
		}
		if !prm.check(raw, true) {
			return false
		}
	}
	return true
}

// check decodes raw as kin-openapi's parsePrimitive does, then visits the
// value. A request parameter decoded to nothing (an empty value of a
// non-string) is refused unless it allows an empty value; a response
// header's is visited as null.
func (prm *param) check(raw string, request bool) bool {
	if prm.node == nil {
		return true
	}
	if raw == "" && prm.kind != openapi3.TypeString {
		if request {
			return prm.allowEmpty
		}
		return prm.node.valid(nil, nil, false)
	}
	switch prm.kind {
	case openapi3.TypeString:
		if raw == "" && prm.allowEmpty && request {
			return true
		}
		return prm.node.valid(raw, nil, false)
	case "int32":
		v, err := strconv.ParseInt(raw, 10, 32)
		return err == nil && prm.node.valid(int32(v), nil, false)
	case openapi3.TypeInteger:
		v, err := strconv.ParseInt(raw, 10, 64)
		return err == nil && prm.node.valid(v, nil, false)
	case openapi3.TypeNumber:
		// kin-openapi refuses Go's other float literals (0x1p4, 1_000, Inf).
		if strings.ContainsFunc(raw, func(r rune) bool { return !strings.ContainsRune("+-.0123456789eE", r) }) {
			return false
		}
		v, err := strconv.ParseFloat(raw, 64)
		return err == nil && prm.node.valid(v, nil, false)
	case openapi3.TypeBoolean:
		v, err := strconv.ParseBool(raw)
		return err == nil && prm.node.valid(v, nil, false)
	}
	return false
}

// queryValue finds name in a query with no escapes and no semicolons, as
// url.ParseQuery and kin-openapi's decoder read it: the first value, or the
// first non-empty one after an empty first.
func queryValue(q, name string) (raw string, found bool) {
	for q != "" {
		var seg string
		seg, q, _ = strings.Cut(q, "&")
		if seg == "" {
			continue
		}
		k, v, _ := strings.Cut(seg, "=")
		if k != name {
			continue
		}
		if !found {
			raw, found = v, true
		} else if raw == "" {
			raw = v
		}
		if raw != "" {
			return raw, true
		}
	}
	return raw, found
}

func firstValue(vs []string) (string, bool) {
	if len(vs) == 0 {
		return "", false
	}
	for _, v := range vs {
		if v != "" {
			return v, true
		}
	}
	return "", true
}

// Answers is what openapi3filter.ValidateResponse checks of an
// operation's responses besides their bodies: the status and the headers.
// It is safe for concurrent use.
type Answers struct {
	any           bool            // no responses declared: nothing is checked
	includeStatus bool            // an undeclared status is refused
	byStatus      [500]*answer    // 100–599, with their ranges (2XX) and default
	others        map[int]*answer // other statuses the document names
	fallback      *answer         // default, for the other statuses
}

type answer struct {
	headers []param
}

// CompileAnswers compiles op's responses for ValidateResponse with opts,
// which must exclude the body (the pipeline visits it on its own). The
// error says what it does not mirror; those answers stay on kin-openapi.
func CompileAnswers(doc *openapi3.T, op *openapi3.Operation, opts *openapi3filter.Options) (*Answers, error) {
	switch {
	case doc.IsOpenAPI31OrLater():
		return nil, errors.New("responses: OpenAPI 3.1 (JSON Schema 2020-12)")
	case !opts.ExcludeResponseBody || len(opts.SchemaValidationOptions) > 0:
		return nil, errors.New("responses: options other than the pipeline's")
	}
	a := &Answers{includeStatus: opts.IncludeResponseStatus, others: map[int]*answer{}}
	if op.Responses.Len() == 0 {
		a.any = true
		return a, nil
	}
	c := newCompiler(Mode{})
	compiled := map[*openapi3.ResponseRef]*answer{}
	compile := func(r *openapi3.ResponseRef) (*answer, error) {
		if r == nil {
			return nil, nil
		}
		if ans, ok := compiled[r]; ok {
			return ans, nil
		}
		if r.Value == nil {
			return nil, errors.New("response: unresolved reference")
		}
		ans := &answer{}
		for name, h := range r.Value.Headers {
			if name == "Content-Type" {
				continue // as ValidateResponse: the body's media type is checked with the body
			}
			if h == nil || h.Value == nil {
				return nil, fmt.Errorf("header %s: unresolved reference", name)
			}
			sm, err := h.Value.SerializationMethod()
			if err != nil || sm.Style != openapi3.SerializationSimple {
				return nil, fmt.Errorf("header %s: style %s", name, h.Value.Style)
			}
			hp, err := c.param(inHeader, name, h.Value.Schema, h.Value.Content)
			if err != nil {
				return nil, fmt.Errorf("header %s: %w", name, err)
			}
			hp.required = h.Value.Required
			ans.headers = append(ans.headers, hp)
		}
		compiled[r] = ans
		return ans, nil
	}
	var err error
	if a.fallback, err = compile(op.Responses.Default()); err != nil {
		return nil, err
	}
	for status := 100; status < 600; status++ {
		r := op.Responses.Status(status)
		if r == nil {
			r = op.Responses.Default()
		}
		if a.byStatus[status-100], err = compile(r); err != nil {
			return nil, err
		}
	}
	for key, r := range op.Responses.Map() {
		status, perr := strconv.Atoi(key)
		if perr != nil || strconv.Itoa(status) != key || status >= 100 && status < 600 {
			continue
		}
		if a.others[status], err = compile(r); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// Valid reports whether ValidateResponse, with the options CompileAnswers
// was given, passes an answer with status and header to a request with
// method.
func (a *Answers) Valid(method string, status int, header http.Header) bool {
	if method == http.MethodHead || a.any {
		return true
	}
	switch status {
	case http.StatusNotModified, http.StatusPermanentRedirect, http.StatusTemporaryRedirect, http.StatusMovedPermanently:
		return true
	}
	var ans *answer
	if status >= 100 && status < 600 {
		ans = a.byStatus[status-100]
	} else if ans = a.others[status]; ans == nil {
		ans = a.fallback
	}
	if ans == nil {
		return !a.includeStatus
	}
	for i := range ans.headers {
		h := &ans.headers[i]
		vs, found := header[h.name]
		switch {
		case h.node == nil:
			// kin-openapi decodes no value without a schema: found is false.
			if h.required {
				return false
			}
		case !found:
			if h.required {
				return false
			}
		case len(vs) == 0:
			if !h.node.valid(nil, nil, false) {
				return false
			}
		case !h.check(vs[0], false):
			return false
		}
	}
	return true
}
