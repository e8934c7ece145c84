package vendorstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/repomock/repomock/mock/internal/schemacheck"
)

// differ replays each recorded exchange through the compiled validator
// (mock/internal/schemacheck) and through kin-openapi, the reference, and
// reports any difference in verdict: the request's parameters, its body
// and the answer's status, headers and body, each body in every direction
// the pipeline may visit it in. So all the traffic of the tests is a
// differential test too.
type differ struct {
	bodies  map[bodyKey]*schemacheck.Schema
	params  map[*openapi3.Operation]*schemacheck.Params
	answers map[*openapi3.Operation]*schemacheck.Answers
	checked int
}

type bodyKey struct {
	schema *openapi3.Schema
	mode   schemacheck.Mode
}

// The options mock/pipeline gives ValidateRequest and ValidateResponse for
// what it checks apart from the bodies.
var (
	differReqOpts = openapi3filter.Options{
		MultiError: true, ExcludeReadOnlyValidations: true, SkipSettingDefaults: true, ExcludeRequestBody: true,
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
	}
	differRespOpts = openapi3filter.Options{MultiError: true, IncludeResponseStatus: true, ExcludeResponseBody: true}
)

func newDiffer() *differ {
	return &differ{
		bodies:  map[bodyKey]*schemacheck.Schema{},
		params:  map[*openapi3.Operation]*schemacheck.Params{},
		answers: map[*openapi3.Operation]*schemacheck.Answers{},
	}
}

// exchange compares the verdicts on one exchange routed to route.
func (d *differ) exchange(x Exchange, req *http.Request, route *routers.Route, path map[string]string) (errs []error) {
	where := fmt.Sprintf("%s %s → %d", x.Method, x.Target, x.Status)
	disagree := func(what string, compiled bool, kin error) {
		if compiled != (kin == nil) {
			errs = append(errs, fmt.Errorf("differential: %s: %s: compiled says valid=%v, kin-openapi: %v", where, what, compiled, kin))
		}
		d.checked++
	}
	op := route.Operation
	p, ok := d.params[op]
	if !ok {
		var err error
		if p, err = schemacheck.CompileParams(route.Spec, route.PathItem, op, &differReqOpts); err != nil {
			errs = append(errs, fmt.Errorf("differential: %s: parameters do not compile: %v", where, err))
		}
		d.params[op] = p
	}
	if p != nil {
		disagree("parameters", p.Valid(req, path), openapi3filter.ValidateRequest(context.Background(),
			&openapi3filter.RequestValidationInput{Request: req, PathParams: path, Route: route, Options: &differReqOpts}))
	}
	a, ok := d.answers[op]
	if !ok {
		var err error
		if a, err = schemacheck.CompileAnswers(route.Spec, op, &differRespOpts); err != nil {
			errs = append(errs, fmt.Errorf("differential: %s: responses do not compile: %v", where, err))
		}
		d.answers[op] = a
	}
	header := x.Header
	if a != nil {
		disagree("status and headers", a.Valid(x.Method, x.Status, header), openapi3filter.ValidateResponse(context.Background(),
			&openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: path, Route: route},
				Status:                 x.Status, Header: header, Options: &differRespOpts,
			}))
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			errs = append(errs, d.body("request body", where, mt.Schema.Value, x.ReqBody, schemacheck.Request)...)
		}
	}
	if resp := op.Responses.Status(x.Status); resp != nil && resp.Value != nil && strings.Contains(x.Header.Get("Content-Type"), "json") {
		if mt := resp.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil {
			errs = append(errs, d.body("response body", where, mt.Schema.Value, x.Body, schemacheck.Response)...)
		}
	}
	return errs
}

// body compares the verdicts on a JSON body, visited in direction dir
// (readOnly properties allowed, as the pipeline visits a request, or not)
// and without one.
func (d *differ) body(what, where string, s *openapi3.Schema, data []byte, dir schemacheck.Direction) (errs []error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	for _, mode := range []schemacheck.Mode{{}, {Direction: dir}, {Direction: dir, ReadOnlyAllowed: dir == schemacheck.Request}} {
		c, ok := d.bodies[bodyKey{s, mode}]
		if !ok {
			var err error
			if c, err = schemacheck.Compile(s, mode); err != nil {
				errs = append(errs, fmt.Errorf("differential: %s: %s does not compile: %v", where, what, err))
			}
			d.bodies[bodyKey{s, mode}] = c
		}
		if c == nil {
			continue
		}
		opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors()}
		switch mode.Direction {
		case schemacheck.Request:
			opts = append(opts, openapi3.VisitAsRequest())
		case schemacheck.Response:
			opts = append(opts, openapi3.VisitAsResponse())
		}
		if mode.ReadOnlyAllowed {
			opts = append(opts, openapi3.DisableReadOnlyValidation())
		}
		kin := s.VisitJSON(v, opts...)
		if got := c.Valid(v); got != (kin == nil) {
			errs = append(errs, fmt.Errorf("differential: %s: %s %+v: %.300s\ncompiled says valid=%v, kin-openapi: %.500v", where, what, mode, data, got, kin))
		}
		d.checked++
	}
	return errs
}
