package pipeline

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// validateRequest checks the request with kin-openapi. The body is read
// and decoded once: kin-openapi checks the parameters (the query as
// readQuery read it) and headers, and the body's schema is visited on the
// decoded value, after the vendor's codec. It returns that value, for the
// handler. The codec's BodyCodec reads the body and checks it in one walk;
// without a codec, the compiled validator checks it. When the compiled
// validator passes it all, kin-openapi is not asked; otherwise
// kin-openapi decides, and words what it refuses.
func (v *Validator) validateRequest(c echo.Context, st *State, rt *route, query url.Values, body []byte) (any, *RequestError) {
	req := c.Request()
	setBody(req, body)
	var (
		value     any
		schema    *openapi3.Schema
		bodyErrs  []error
		bodyValid bool // the compiled check passes value
	)
	rb := rt.kin.Operation.RequestBody
	switch {
	case rb == nil || rb.Value == nil:
	case len(body) == 0:
		if rb.Value.Required {
			bodyErrs = append(bodyErrs, &openapi3filter.RequestError{RequestBody: rb.Value, Err: openapi3filter.ErrInvalidRequired})
		}
	default:
		if err := checkContentType(req, rb.Value); err != nil {
			return nil, err
		}
		if mt := rb.Value.Content.Get(req.Header.Get(echo.HeaderContentType)); mt != nil && mt.Schema != nil {
			schema = mt.Schema.Value
		}
		// One scan: the value (when there is a schema to visit it with),
		// and what encoding/json would take silently.
		doc := jsonvalue.Scan(req.Context(), body, schema != nil)
		st.BodyScanned, st.BodyJSON = req.Context().Err() == nil, doc.Valid()
		if !doc.ValidUTF8(body) {
			return nil, &RequestError{Status: http.StatusBadRequest, Violations: []Violation{{Field: "body", Reason: "is not valid UTF-8"}}}
		}
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
		if bc := v.reqCodec[schema]; bc != nil {
			var vs []Violation
			if value, vs, bodyValid = bc.Read(value); len(vs) > 0 {
				return nil, &RequestError{Status: http.StatusBadRequest, Violations: vs}
			}
		} else {
			bodyValid = v.fast.body(schema, false, value)
		}
	}
	if len(bodyErrs) == 0 && (schema == nil || bodyValid) && v.fast.requestParams(rt, req, st.Params, query) {
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
		PathParams:  st.Params,
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

// checkContentType checks the content type, before a JSON decoder reads a
// form: kin-openapi would say it less plainly.
func checkContentType(req *http.Request, rb *openapi3.RequestBody) *RequestError {
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
