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

// readBody reads the whole body within the limit, into st.Body: a body of
// a known length in one read.
func (v *Validator) readBody(req *http.Request, st *State) ([]byte, *RequestError) {
	limit := v.opts.MaxBodyBytes
	tooLarge := func() *RequestError {
		return &RequestError{Status: http.StatusRequestEntityTooLarge, Violations: []Violation{{
			Field: "body", Reason: fmt.Sprintf("request body exceeds the limit of %d bytes", limit),
		}}}
	}
	if req.ContentLength > limit {
		return nil, tooLarge()
	}
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	var data []byte
	var err error
	if n := int(req.ContentLength); n > 0 {
		// Its length, and a byte more to see whether it is longer than it
		// says: then it is read on, within the limit, as any other.
		data = make([]byte, n+1)
		m := 0
		for m <= n && err == nil {
			var k int
			k, err = req.Body.Read(data[m:])
			m += k
		}
		if err == io.EOF {
			err = nil // shorter, or as long as it says: taken as it is, as io.ReadAll takes it
		}
		data = data[:m]
		if m > n && err == nil {
			var rest []byte
			rest, err = io.ReadAll(io.LimitReader(req.Body, limit-int64(n)))
			data = append(data, rest...)
		}
	} else {
		data, err = io.ReadAll(io.LimitReader(req.Body, limit+1))
	}
	st.Body, st.BodyRead = data, true
	if err != nil {
		return nil, &RequestError{Status: http.StatusBadRequest, Violations: []Violation{{Field: "body", Reason: "could not be read: " + clip(err.Error())}}}
	}
	if int64(len(data)) > limit {
		return nil, tooLarge()
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
