package contracts

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Exchange is one call the suite made and the answer it got, kept for the
// conformance checks.
type Exchange struct {
	Op *Operation
	// Request is the request sent; its Body reads RequestBody again.
	Request     *http.Request
	RequestBody []byte
	// Params are the path parameters sent.
	Params map[string]string
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the response body as an object (nil if it is not one).
func (x *Exchange) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(x.Body, &m)
	return m
}

// String is the exchange on one line, for a failure: the request, the
// status and the start of the body.
func (x *Exchange) String() string {
	if x == nil {
		return "no answer"
	}
	return fmt.Sprintf("%s %s → HTTP %d %s", x.Request.Method, x.Request.URL.RequestURI(), x.Status, clip(string(x.Body), 300))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// Request is what a check sends to an operation.
type Request struct {
	// Params are the path parameters, by name.
	Params map[string]string
	Query  url.Values
	Header map[string]string
	// Body is marshalled as JSON, unless it is a []byte.
	Body any
	// NoAuth sends the request without credentials.
	NoAuth bool
	// Raw leaves the Content-Type header to Header (none if unset).
	Raw bool
	// Method replaces the operation's (unsupported_method).
	Method string
	// Unseen keeps the exchange from the conformance checks: its answer
	// is not one of the operation's.
	Unseen bool
}

// Clone copies req, so that its parameters can change.
func (req Request) Clone() Request {
	out := req
	out.Params = maps.Clone(req.Params)
	if out.Params == nil {
		out.Params = map[string]string{}
	}
	out.Query = url.Values{}
	for k, v := range req.Query {
		out.Query[k] = slices.Clone(v)
	}
	out.Header = maps.Clone(req.Header)
	return out
}

// Call sends req to op and records the exchange. An error means no answer
// came (the target is down, the URL wrong); the caller reports it.
func (s *Suite) Call(ctx context.Context, op *Operation, req Request) (*Exchange, error) {
	path := op.Path
	for k, v := range req.Params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	u := strings.TrimRight(op.Vendor.URL, "/") + path
	if len(req.Query) > 0 {
		u += "?" + req.Query.Encode()
	}
	var body []byte
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return nil, err
		}
	}
	method := op.Method
	if req.Method != "" {
		method = req.Method
	}
	hr, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil && !req.Raw {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.Header {
		hr.Header.Set(k, v)
	}
	if !req.NoAuth && op.Vendor.Authorize != nil {
		if err := op.Vendor.Authorize(s, hr, body); err != nil {
			return nil, err
		}
	}
	scenario := s.scenario(op)
	resp, err := s.client.Do(hr)
	if err != nil {
		err = &noAnswerError{where: method + " " + u, err: unwrapURL(err)}
		s.observe(scenario, op, req, hr, body, nil, err)
		return nil, err
	}
	defer resp.Body.Close()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		err = fmt.Errorf("%s %s: reading the answer: %w", method, u, err)
		s.observe(scenario, op, req, hr, body, nil, err)
		return nil, err
	}
	hr.Body = io.NopCloser(bytes.NewReader(body))
	x := &Exchange{Op: op, Request: hr, RequestBody: body, Params: maps.Clone(req.Params), Status: resp.StatusCode, Header: resp.Header, Body: respBody}
	if x.Params == nil {
		x.Params = map[string]string{}
	}
	if !req.Unseen {
		s.seen[op] = append(s.seen[op], x)
	}
	s.observe(scenario, op, req, hr, body, x, nil)
	return x, nil
}

// noAnswerError is a request that got no HTTP answer at all.
type noAnswerError struct {
	where string
	err   error
}

func (e *noAnswerError) Error() string { return e.where + ": no answer: " + e.err.Error() }

func (e *noAnswerError) Unwrap() error { return e.err }

// AuthHeader is an Authorize that sets the header name to value on every
// request, as an API with a static token wants (Authorization: Bearer …).
func AuthHeader(name, value string) func(s *Suite, req *http.Request, body []byte) error {
	return func(_ *Suite, req *http.Request, _ []byte) error {
		req.Header.Set(name, value)
		return nil
	}
}

// ExpectStatus fails unless x answered with one of the statuses.
func ExpectStatus(x *Exchange, want ...int) error {
	if slices.Contains(want, x.Status) {
		return nil
	}
	return fmt.Errorf("want HTTP %v: %s", want, x)
}

// Expect2xx fails unless x succeeded. Which success status is right is
// status_code_conformance's to judge, so behaviour checks take any 2xx.
func Expect2xx(x *Exchange) error {
	if x.Status/100 != 2 {
		return fmt.Errorf("want a 2xx: %s", x)
	}
	return nil
}
