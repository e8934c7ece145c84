package pipeline

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/mock/internal/schemacheck"
)

// The values of Options.Validator.
const (
	// ValidatorCompiled puts the compiled validator (schemacheck) in
	// front of kin-openapi: what it passes, kin-openapi does not check
	// again; what it refuses, kin-openapi checks again and words. The
	// default.
	ValidatorCompiled = "compiled"
	// ValidatorKinOpenAPI leaves every check to kin-openapi alone.
	ValidatorKinOpenAPI = "kin-openapi"
)

// fastPath holds the compiled checks of a Validator's routes, each built
// for exactly what the pipeline asks of kin-openapi there: the bodies in
// the direction their options give (bodyOpts, respBodyOpts, or freeOpts),
// the parameters with reqOpts, the status and headers with respHeadOpts.
// A check that did not compile is absent: kin-openapi alone does it.
type fastPath struct {
	reqBody  map[*openapi3.Schema]*schemacheck.Schema
	respBody map[*openapi3.Schema]*schemacheck.Schema
	params   map[*route]*schemacheck.Params
	answers  map[*route]*schemacheck.Answers
}

// compile builds the fast path of v's routes. What does not compile is
// logged, once, with why; it stays on kin-openapi.
func (v *Validator) compile(doc *openapi3.T) *fastPath {
	f := &fastPath{
		reqBody:  map[*openapi3.Schema]*schemacheck.Schema{},
		respBody: map[*openapi3.Schema]*schemacheck.Schema{},
		params:   map[*route]*schemacheck.Params{},
		answers:  map[*route]*schemacheck.Answers{},
	}
	left := func(rt *route, what string, err error) {
		v.opts.Logger.Info("validation stays on kin-openapi: the compiled validator does not mirror it",
			"operation", rt.op.ID, "what", what, "reason", err.Error())
	}
	// A schema may be a request body and an answer: it is compiled once
	// for each.
	type try struct {
		s        *openapi3.Schema
		response bool
	}
	tried := map[try]bool{}
	body := func(rt *route, what string, s *openapi3.Schema, response bool) {
		if tried[try{s, response}] {
			return
		}
		tried[try{s, response}] = true
		into, mode := f.reqBody, schemacheck.Mode{}
		if response {
			_, mode = v.responseBody(s)
			into = f.respBody
		} else {
			_, mode = v.requestBody(s)
		}
		c, err := schemacheck.Compile(s, mode)
		if err != nil {
			left(rt, what, err)
			return
		}
		into[s] = c
	}
	for _, op := range v.ops {
		rt := v.routes[op.Method+" "+op.EchoPath]
		kop := rt.kin.Operation
		if p, err := schemacheck.CompileParams(doc, rt.kin.PathItem, kop, &v.reqOpts); err != nil {
			left(rt, "parameters", err)
		} else {
			f.params[rt] = p
		}
		if a, err := schemacheck.CompileAnswers(doc, kop, &v.respHeadOpts); err != nil {
			left(rt, "response statuses and headers", err)
		} else {
			f.answers[rt] = a
		}
		if rb := kop.RequestBody; rb != nil && rb.Value != nil {
			for ct, mt := range rb.Value.Content {
				if mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
					body(rt, "request body "+ct, mt.Schema.Value, false)
				}
			}
		}
		for status, resp := range kop.Responses.Map() {
			if resp == nil || resp.Value == nil {
				continue
			}
			for ct, mt := range resp.Value.Content {
				if mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
					body(rt, fmt.Sprintf("response %s body %s", status, ct), mt.Schema.Value, true)
				}
			}
		}
	}
	return f
}

// requestBody is how a request body of schema s is visited, by
// kin-openapi and by the compiled validator alike: as a request with
// readOnly properties allowed (bodyOpts) or, where the direction makes no
// difference, without one (freeOpts); the compiled validator adds the
// unknown-field rule, which the pipeline applies after kin-openapi.
func (v *Validator) requestBody(s *openapi3.Schema) ([]openapi3.SchemaValidationOption, schemacheck.Mode) {
	if v.reqFree[s] {
		return v.freeOpts, schemacheck.Mode{RejectUnknown: v.opts.RejectUnknownFields}
	}
	return v.bodyOpts, schemacheck.Mode{Direction: schemacheck.Request, ReadOnlyAllowed: true, RejectUnknown: v.opts.RejectUnknownFields}
}

// responseBody is how a response body of schema s is visited: as a
// response (respBodyOpts) or, where that makes no difference, without a
// direction (freeOpts).
func (v *Validator) responseBody(s *openapi3.Schema) ([]openapi3.SchemaValidationOption, schemacheck.Mode) {
	if v.respFree[s] {
		return v.freeOpts, schemacheck.Mode{}
	}
	return v.respBodyOpts, schemacheck.Mode{Direction: schemacheck.Response}
}

// check is the compiled check of the body schema s, an answer's or a
// request's; nil when there is none.
func (f *fastPath) check(s *openapi3.Schema, response bool) *schemacheck.Schema {
	switch {
	case f == nil:
		return nil
	case response:
		return f.respBody[s]
	}
	return f.reqBody[s]
}

// body reports whether the compiled check of the body schema s passes
// value, a body decoded for it.
func (f *fastPath) body(s *openapi3.Schema, response bool, value any) bool {
	c := f.check(s, response)
	return c != nil && c.Valid(value)
}

// requestParams reports whether the compiled checks pass the request's
// parameters (the query as readQuery read it) and headers. False also
// when they are not compiled: kin-openapi then decides.
func (f *fastPath) requestParams(rt *route, req *http.Request, params Params, query url.Values) bool {
	if f == nil {
		return false
	}
	p := f.params[rt]
	return p != nil && p.ValidQuery(req, params, query)
}

// answerHead reports whether the compiled checks pass an answer's status and
// headers.
func (f *fastPath) answerHead(rt *route, method string, status int, header http.Header) bool {
	if f == nil {
		return false
	}
	a := f.answers[rt]
	return a != nil && a.Valid(method, status, header)
}

// CheckValidator says whether name is a value of Options.Validator ("" is
// the default, ValidatorCompiled).
func CheckValidator(name string) error {
	switch name {
	case "", ValidatorCompiled, ValidatorKinOpenAPI:
		return nil
	}
	return fmt.Errorf("%s is not %s or %s", strconv.Quote(name), ValidatorCompiled, ValidatorKinOpenAPI)
}
