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
	"time"

	"github.com/repomock/repomock/internal/sdkhmac"
)

// exchange is one call and its answer, kept for the conformance checks.
type exchange struct {
	op      *operation
	req     *http.Request
	reqBody []byte
	params  map[string]string
	status  int
	header  http.Header
	body    []byte
}

// json decodes the response body as an object (nil if it is not one).
func (x *exchange) json() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(x.body, &m)
	return m
}

func (x *exchange) String() string {
	if x == nil {
		return "no answer"
	}
	return fmt.Sprintf("%s %s → HTTP %d %s", x.req.Method, x.req.URL.RequestURI(), x.status, clip(string(x.body), 300))
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// request is what a scenario sends.
type request struct {
	params map[string]string // path parameters
	query  url.Values
	header map[string]string
	body   any // marshalled as JSON unless []byte
	// noAuth sends the request without credentials.
	noAuth bool
	// raw leaves the Content-Type header to header (none if unset).
	raw bool
	// method replaces the operation's (unsupported_method).
	method string
	// unseen keeps the exchange from the conformance checks: its answer
	// is not one of the operation's.
	unseen bool
}

// clone copies req so that its parameters can change.
func (req request) clone() request {
	out := req
	out.params = maps.Clone(req.params)
	if out.params == nil {
		out.params = map[string]string{}
	}
	out.query = url.Values{}
	for k, v := range req.query {
		out.query[k] = slices.Clone(v)
	}
	out.header = maps.Clone(req.header)
	return out
}

// call sends req to op and records the exchange. An error means no answer
// came (the target is down, the URL wrong); it is reported by the caller.
func (s *suite) call(ctx context.Context, op *operation, req request) (*exchange, error) {
	path := op.path
	for k, v := range req.params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	u := strings.TrimRight(op.vendor.url, "/") + path
	if len(req.query) > 0 {
		u += "?" + req.query.Encode()
	}
	var body []byte
	switch b := req.body.(type) {
	case nil:
	case []byte:
		body = b
	default:
		var err error
		if body, err = json.Marshal(b); err != nil {
			return nil, err
		}
	}
	method := op.method
	if req.method != "" {
		method = req.method
	}
	hr, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil && !req.raw {
		hr.Header.Set("Content-Type", "application/json")
	}
	for k, v := range req.header {
		hr.Header.Set(k, v)
	}
	if !req.noAuth {
		if err := op.vendor.authorize(s, hr, body); err != nil {
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
	x := &exchange{op: op, req: hr, reqBody: body, params: maps.Clone(req.params), status: resp.StatusCode, header: resp.Header, body: respBody}
	if x.params == nil {
		x.params = map[string]string{}
	}
	if !req.unseen {
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

// huaweiAuthorize adds a Huawei IAM token, or signs the request with AK/SK.
func huaweiAuthorize(a Huawei) func(s *suite, req *http.Request, body []byte) error {
	return func(s *suite, req *http.Request, body []byte) error {
		req.Header.Set("X-Project-Id", a.ProjectID)
		if a.Token != "" {
			req.Header.Set("X-Auth-Token", a.Token)
			return nil
		}
		sdkhmac.Sign(req, body, a.AK, a.SK, time.Now())
		return nil
	}
}

// expectStatus fails unless x answered with one of the statuses.
func expectStatus(x *exchange, want ...int) error {
	for _, w := range want {
		if x.status == w {
			return nil
		}
	}
	return fmt.Errorf("want HTTP %v: %s", want, x)
}

// expect2xx fails unless x succeeded. Which success status is right is
// status_code_conformance's to judge, so behaviour checks take any 2xx.
func expect2xx(x *exchange) error {
	if x.status/100 != 2 {
		return fmt.Errorf("want a 2xx: %s", x)
	}
	return nil
}
