package pipeline

import (
	"bytes"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/labstack/echo/v4"

	"github.com/repomock/repomock/internal/jsonvalue"
)

// handle is the pipeline of one route: read the request's body, then
// authenticate it (Options.Authenticate), let the server answer in its
// place (Options.Intercept), check it, run h on what was decoded, check
// the answer h returned, and write it once. The response is buffered until
// checked, so that one which breaks the spec is replaced whole; every
// failure is written by Options.ErrFunc.
func (v *Validator) handle(rt *route, h Handler) echo.HandlerFunc {
	return func(c echo.Context) error {
		// echo lets a trailing parameter take the rest of the path;
		// an OpenAPI path parameter is one segment.
		for _, val := range c.ParamValues() {
			if strings.Contains(val, "/") {
				return echo.ErrNotFound
			}
		}
		st := StateOf(c)
		st.Operation = rt.op.ID
		st.Params = pathParams(c) // decoded once, for the checks, Authenticate and the handler

		res := c.Response()
		out := res.Writer
		buf := newBufferedWriter(out)
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
		body, query, ic, err := v.serve(c, st, rt)
		if ctx.Err() != nil {
			// The client has gone: nothing more is done for it.
			return ctx.Err()
		}
		switch {
		case ic != nil:
			st.Intercepted = true
			if ic.Reset {
				st.Reset = true
				return nil // no answer: the server closes the connection
			}
			v.opts.ErrFunc(c, ic.Err)
			if ic.Unchecked {
				return buf.flushTo(out, st)
			}
		case err == nil:
			var status int
			var value any
			in := Request{Body: body, Params: st.Params, Query: query, Operation: rt.kin.Operation, Session: st.Session}
			if status, value, err = h(c, in); err == nil {
				if s, ok := value.(*Stream); ok {
					return v.stream(c, st, rt, status, s, buf, out)
				}
				written, err = v.write(c, st, rt, buf, status, value)
			}
		}
		if ctx.Err() != nil {
			return ctx.Err() // nor is its answer checked
		}
		if err != nil {
			v.opts.ErrFunc(c, err) // written into buf
		}
		v.checkResponse(c, st, rt, buf, written)
		return buf.flushTo(out, st)
	}
}

// Interception is Options.Intercept's answer to a request, in its
// handler's place: the request is not validated.
type Interception struct {
	// Err is the answer, written by Options.ErrFunc.
	Err error
	// Unchecked leaves the answer unchecked against the spec: it is the
	// vendor's own failure (a gateway's 429 or 503), which the spec need
	// not document.
	Unchecked bool
	// Reset answers nothing: the connection is to be closed (State.Reset).
	Reset bool
}

// Stream is a Handler's answer whose body is sent as it is made (a
// stream of server-sent events), which cannot wait in the buffer to be
// checked. The handler sets its headers (its Content-Type among them)
// through c, and writes no status; the Validator checks the status and
// the headers, writes them, and calls Send, which writes the body into
// c.Response(), unbuffered and unchecked. When the status or the headers
// break the spec, the answer is the 500 of a response that does, and Drop
// is called in Send's place, to release what the handler took for it.
type Stream struct {
	Send func() error
	Drop func()
}

// stream answers with s (see Stream): status is the handler's, buf holds
// its headers, and out is the writer under buf.
func (v *Validator) stream(c echo.Context, st *State, rt *route, status int, s *Stream, buf *bufferedWriter, out http.ResponseWriter) error {
	buf.status = status
	if v.checkResponse(c, st, rt, buf, nil) {
		if s.Drop != nil {
			s.Drop()
		}
		return buf.flushTo(out, st)
	}
	res := c.Response()
	res.Writer = out
	h := out.Header()
	for k, vs := range buf.header {
		h[k] = vs
	}
	res.WriteHeader(status)
	return s.Send()
}

// serve reads, authenticates and checks the request, and returns its body
// and its query as decoded for the handler, or Options.Intercept's answer.
func (v *Validator) serve(c echo.Context, st *State, rt *route) (any, url.Values, *Interception, error) {
	// The body is read first, within the limit, so that a body too large is
	// refused before anything else and Authenticate may read it (a request
	// signature covers the body's hash).
	body, err := v.readBody(c.Request(), st)
	if err != nil {
		st.Violations = append(st.Violations, err.Violations...)
		return nil, nil, nil, err
	}
	if v.opts.Authenticate != nil {
		setBody(c.Request(), body)
		if aerr := v.opts.Authenticate(c); aerr != nil {
			return nil, nil, nil, aerr
		}
	}
	if v.opts.Intercept != nil {
		if ic := v.opts.Intercept(c); ic != nil {
			return nil, nil, ic, nil
		}
	}
	query, err := v.readQuery(c, st, rt)
	var value any
	if err == nil {
		restore := v.asJSON(c.Request().Header, rt)
		value, err = v.validateRequest(c, st, rt, query, body)
		restore()
	}
	if err != nil {
		st.Violations = append(st.Violations, err.Violations...)
		if !v.opts.LenientRequests {
			return nil, nil, nil, err
		}
		setBody(c.Request(), body)
		return nil, c.QueryParams(), nil, nil
	}
	return value, query, nil, nil
}

// readQuery returns the request's query as Options.Query reads it, and
// notes the keys it ignores. Without a query it is nil, and costs nothing.
func (v *Validator) readQuery(c echo.Context, st *State, rt *route) (url.Values, *RequestError) {
	if c.Request().URL.RawQuery == "" {
		return nil, nil
	}
	query := c.QueryParams()
	if v.opts.Query == nil {
		return query, nil
	}
	query, ignored, vs := v.opts.Query.DecodeQuery(rt.query, query)
	st.IgnoredQuery = ignored
	if len(vs) > 0 {
		return nil, &RequestError{Status: http.StatusBadRequest, Violations: vs}
	}
	return query, nil
}

// answer is a handler's JSON answer as the Validator wrote it: the value
// it checks against schema; or, written by a BodyCodec (encoded), the
// compiled check's verdict on what it wrote (valid), which kin-openapi
// reads back when it is not a pass.
type answer struct {
	schema  *openapi3.Schema
	value   any
	encoded bool
	valid   bool
}

// The bounds of the buffer an answer is first written into (route.answerCap):
// at least a small answer's, at most what a large one grows to anyway.
const (
	minAnswerCap = 64
	maxAnswerCap = 64 << 10
)

// write answers with status and body, a handler's answer. A JSON body the
// spec declares is made a JSON value once, written by the vendor's codec
// (for a 2xx, checked as it is written) or jsonvalue.Marshal, and returned
// for checkResponse;
// anything else is written as it is and left whole to kin-openapi, which
// says what is wrong with it.
func (v *Validator) write(c echo.Context, st *State, rt *route, buf *bufferedWriter, status int, body any) (*answer, error) {
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
	// Written into the buffer that is sent: no copy.
	if buf.body == nil {
		buf.body = make([]byte, 0, max(int(rt.answerCap.Load()), minAnswerCap))
	}
	start := len(buf.body)
	var out []byte
	switch bc := v.respCodec[a.schema]; {
	case bc != nil && status/100 == 2:
		// Written, and checked, by the codec: what is checked is what it
		// wrote.
		out, a.valid, err = bc.Append(c, buf.body, value)
		a.encoded = true
	case data != nil:
		out = append(buf.body, data...)
	default:
		out, err = jsonvalue.Append(buf.body, value)
	}
	if err != nil {
		return nil, err
	}
	buf.body = out
	if n := int32(min(len(out)+len(out)/8, maxAnswerCap)); n != rt.answerCap.Load() {
		rt.answerCap.Store(n)
	}
	res := c.Response()
	res.WriteHeader(status)
	res.Size += int64(len(buf.body) - start)
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
	mt, ok := mediaType(contentType)
	return ok && slices.Contains(v.opts.JSONMediaTypes, mt)
}

// mediaType is the media type of contentType, its parameters aside, as
// mime.ParseMediaType reads it; application/json, as nearly every
// request and answer has it, is not parsed.
func mediaType(contentType string) (string, bool) {
	if contentType == echo.MIMEApplicationJSON {
		return contentType, true
	}
	mt, _, err := mime.ParseMediaType(contentType)
	return mt, err == nil
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

// setBody gives the request a reader over data, from its start, for the
// next reader (Authenticate, kin-openapi, the handler): one reader per
// request, rewound each time.
func setBody(req *http.Request, data []byte) {
	b, ok := req.Body.(*bodyReader)
	if !ok {
		b = &bodyReader{}
		req.Body = b
	}
	b.Reset(data)
	req.ContentLength = int64(len(data))
}

// bodyReader is a request body the pipeline has read.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

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
