package contracts

import (
	"context"
	"fmt"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// conformanceCheck is one of the four response checks.
type conformanceCheck struct {
	name string
	fn   func(ctx context.Context, x *Exchange) error
}

func conformanceChecks() []conformanceCheck {
	return []conformanceCheck{
		{CheckStatusCode, statusCodeConformance},
		{CheckContentType, contentTypeConformance},
		{CheckResponseSchema, responseSchemaConformance},
		{CheckResponseHeaders, responseHeadersConformance},
		{CheckServerError, notAServerError},
	}
}

// conformance runs one response check on every exchange the behaviour
// checks made, one sub-test per operation of each configured vendor. An
// operation that got no response is skipped, saying why (Vendor.Uncalled,
// or that no check called it): a check that saw nothing has not passed.
func (s *Suite) conformance(r Reporter, fn func(context.Context, *Exchange) error) {
	for _, v := range s.apis {
		if v.URL == "" {
			continue
		}
		ids := make([]string, 0, len(v.ops))
		for id := range v.ops {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			op := v.ops[id]
			r.Run(id, func(r Reporter) {
				switch {
				case len(s.seen[op]) == 0 && s.partial:
					r.Skipf("no response observed: this check reads the responses the behaviour checks get, and go test -run left some of them out")
				case len(s.seen[op]) == 0 && v.Uncalled[id] != "":
					r.Skipf("no response observed: %s", v.Uncalled[id])
				case len(s.seen[op]) == 0:
					r.Skipf("no response observed: no behaviour check called this operation")
				default:
					for _, x := range s.seen[op] {
						Outcome(r, fn(r.Context(), x))
					}
				}
			})
		}
	}
}

// declared returns the response the spec declares for status (or its
// range, or default), and whether there is one.
func declared(x *Exchange) (*openapi3.Response, bool) {
	rs := x.Op.route.Operation.Responses
	if r := rs.Status(x.Status); r != nil && r.Value != nil {
		return r.Value, true
	}
	if r := rs.Value(strconv.Itoa(x.Status/100) + "XX"); r != nil && r.Value != nil {
		return r.Value, true
	}
	if r := rs.Default(); r != nil && r.Value != nil {
		return r.Value, true
	}
	return nil, false
}

// statusCodeConformance: the status is one the spec declares; a success
// must be one it lists explicitly, as "default" describes the errors.
func statusCodeConformance(_ context.Context, x *Exchange) error {
	if _, ok := declared(x); !ok {
		return fmt.Errorf("HTTP %d is not a status the spec declares for %s: %s", x.Status, x.Op.ID, x)
	}
	if x.Status/100 == 2 {
		return ListedSuccess(x)
	}
	return nil
}

// notAServerError: no input, valid or not, makes the target fail.
func notAServerError(_ context.Context, x *Exchange) error {
	if x.Status >= 500 {
		return fmt.Errorf("a server error: %s\nrequest body: %s", x, clip(string(x.RequestBody), 400))
	}
	return nil
}

// mediaType is x's Content-Type without parameters.
func mediaType(x *Exchange) (string, error) {
	ct := x.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return "", fmt.Errorf("Content-Type %q does not parse: %v", ct, err)
	}
	return mt, nil
}

func contentTypeConformance(_ context.Context, x *Exchange) error {
	resp, ok := declared(x)
	if !ok {
		return nil // status_code_conformance reports it
	}
	ct := x.Header.Get("Content-Type")
	if len(resp.Content) == 0 {
		if len(x.Body) > 0 && ct != "" {
			if mt, err := mediaType(x); err != nil || mt != "application/json" {
				return fmt.Errorf("HTTP %d declares no content, but the answer has %q: %s", x.Status, ct, x)
			}
		}
		return nil
	}
	if ct == "" {
		return fmt.Errorf("HTTP %d has no Content-Type; the spec declares %s: %s", x.Status, mediaTypes(resp), x)
	}
	mt, err := mediaType(x)
	if err != nil {
		return fmt.Errorf("%v: %s", err, x)
	}
	if resp.Content.Get(mt) == nil {
		return fmt.Errorf("Content-Type %q is not one the spec declares for HTTP %d (%s): %s", ct, x.Status, mediaTypes(resp), x)
	}
	return nil
}

func mediaTypes(r *openapi3.Response) string {
	var out []string
	for k := range r.Content {
		out = append(out, k)
	}
	slices.Sort(out)
	return strings.Join(out, ", ")
}

func responseSchemaConformance(ctx context.Context, x *Exchange) error {
	if _, ok := declared(x); !ok {
		return nil // status_code_conformance reports it
	}
	// The body is validated under its media type, parameters aside.
	header := x.Header
	if mt, err := mediaType(x); err == nil && mt != "" {
		header = x.Header.Clone()
		header.Set("Content-Type", mt)
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: x.Request, PathParams: x.Params, Route: x.Op.route},
		Status:                 x.Status,
		Header:                 header,
		Options:                &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true},
	}
	input.SetBodyBytes(x.Body)
	err := openapi3filter.ValidateResponse(ctx, input)
	if err == nil {
		return nil
	}
	// Content type problems belong to content_type_conformance.
	if strings.Contains(err.Error(), "response header Content-Type has unexpected value") {
		return nil
	}
	return fmt.Errorf("body does not match the schema for HTTP %d: %s (%s)", x.Status, schemaMessage(err), x)
}

// schemaMessage is the located part of a kin-openapi error, without its
// dump of the schema.
func schemaMessage(err error) string {
	var parts []string
	var walk func(error)
	walk = func(e error) {
		switch v := e.(type) {
		case openapi3.MultiError:
			for _, inner := range v {
				walk(inner)
			}
		case *openapi3filter.ResponseError:
			if v.Err == nil {
				parts = append(parts, v.Reason)
				return
			}
			walk(v.Err)
		case *openapi3.SchemaError:
			at := strings.Join(v.JSONPointer(), ".")
			if at == "" {
				at = "body"
			}
			parts = append(parts, at+": "+v.Reason)
		default:
			parts = append(parts, clip(e.Error(), 200))
		}
	}
	walk(err)
	return strings.Join(parts, "; ")
}

func responseHeadersConformance(_ context.Context, x *Exchange) error {
	resp, ok := declared(x)
	if !ok {
		return nil
	}
	var problems []string
	for name, ref := range resp.Headers {
		if ref == nil || ref.Value == nil {
			continue
		}
		h := ref.Value
		val := x.Header.Get(name)
		if val == "" {
			if h.Required {
				problems = append(problems, name+": required header is missing")
			}
			continue
		}
		if h.Schema == nil || h.Schema.Value == nil {
			continue
		}
		var v any = val
		if h.Schema.Value.Type.Is(openapi3.TypeInteger) || h.Schema.Value.Type.Is(openapi3.TypeNumber) {
			f, err := strconv.ParseFloat(val, 64)
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s: %q is not a number", name, val))
				continue
			}
			v = f
		}
		if err := h.Schema.Value.VisitJSON(v); err != nil {
			problems = append(problems, name+": "+schemaMessage(err))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return fmt.Errorf("headers of HTTP %d: %s", x.Status, strings.Join(problems, "; "))
	}
	return nil
}
