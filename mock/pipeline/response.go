package pipeline

import (
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// checkResponse checks the answer in buf: one that breaks the spec is
// replaced with the vendor's 500 (written by Options.ErrFunc), or marked,
// when responses are lenient. It reports whether it replaced it.
func (v *Validator) checkResponse(c echo.Context, st *State, rt *route, buf *bufferedWriter, a *answer) (replaced bool) {
	err := v.validateResponse(c, rt, st.Params, buf, a)
	if err == nil {
		return false
	}
	respErr := &ResponseError{OperationID: rt.op.ID, Status: buf.status, Violations: violations(err)}
	st.Violations = append(st.Violations, respErr.Violations...)
	st.AnswerBroken = true
	v.opts.Logger.Error("response violates the spec", "operation", rt.op.ID, "status", buf.status, "violations", respErr.Error())
	if v.opts.LenientResponses {
		// Added: a request's violations may be there already (LenientRequests).
		buf.header.Add(ViolationHeader, headerSafe(joinViolations(respErr.Violations)))
		return false
	}
	// Replace what the handler wrote with the vendor's 500.
	buf.reset()
	res := c.Response()
	res.Committed, res.Status, res.Size = false, 0, 0
	v.opts.ErrFunc(c, respErr)
	return true
}

// validateResponse checks the response in buf with kin-openapi. A
// handler's JSON answer a is checked as the value it was written from:
// kin-openapi checks the status and the headers, and the schema is visited
// on the value. An error body, written by Options.ErrFunc, is decoded
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
		// Not a handler's answer: an error Options.ErrFunc wrote.
		a = &answer{schema: responseSchema(rt, buf.status, ct)}
		if a.schema != nil && len(buf.body) > 0 {
			var err error
			if a.value, err = jsonvalue.Decode(c.Request().Context(), buf.body); err != nil {
				a.schema = nil
			}
		}
		whole = a.schema == nil || len(buf.body) == 0
	}
	if !whole && v.fast.answerHead(rt, c.Request().Method, buf.status, buf.header) &&
		(a.encoded && a.valid || !a.encoded && v.fast.body(a.schema, true, a.value)) {
		return nil
	}
	if a.encoded {
		// kin-openapi visits what the codec wrote.
		var err error
		if a.value, err = jsonvalue.Decode(c.Request().Context(), buf.body); err != nil {
			whole = true
		}
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
		input.SetBodyBytes(buf.body)
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
	if mt, ok := mediaType(contentType); !ok || mt != echo.MIMEApplicationJSON {
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

// bufferedWriter holds a response until it has been checked. Its body is
// the request's own: it is what the client is sent, and what the journal
// keeps (State.Answer).
type bufferedWriter struct {
	out    http.ResponseWriter // the writer under the buffer
	header http.Header
	status int
	body   []byte
}

func newBufferedWriter(out http.ResponseWriter) *bufferedWriter {
	return &bufferedWriter{out: out, header: make(http.Header), status: http.StatusOK}
}

// Unwrap lets http.ResponseController reach the connection under the
// buffer: its deadlines (AllowWait).
func (b *bufferedWriter) Unwrap() http.ResponseWriter { return b.out }

func (b *bufferedWriter) Header() http.Header    { return b.header }
func (b *bufferedWriter) WriteHeader(status int) { b.status = status }
func (b *bufferedWriter) Write(p []byte) (int, error) {
	b.body = append(b.body, p...)
	return len(p), nil
}

func (b *bufferedWriter) reset() {
	b.header = make(http.Header)
	b.status = http.StatusOK
	b.body = nil
}

// flushTo writes the response to w, and notes its body in st.
func (b *bufferedWriter) flushTo(w http.ResponseWriter, st *State) error {
	h := w.Header()
	for k, vs := range b.header {
		h[k] = vs
	}
	w.WriteHeader(b.status)
	if len(b.body) == 0 {
		return nil // a 204 or 304 takes no body, not even an empty write
	}
	st.Answer = b.body
	_, err := w.Write(b.body)
	return err
}
