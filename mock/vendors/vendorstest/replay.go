package vendorstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/repomock/repomock/mock/vendor"
	"github.com/repomock/repomock/specs"
)

// replay checks every recorded response against the spec it belongs to
// (a vendor's, or the admin API's), with kin-openapi's own router and
// ValidateResponse, independently of the middleware that served it.
// Requests that match no operation (unknown routes, wrong methods) have
// no response schema to check.
// Each Exchange also goes through the compiled validator and kin-openapi
// (differ), whose verdicts must agree. It returns how many responses it
// checked and what did not conform or agree.
func replay(t testing.TB, traffic []Exchange, rs []specRouter) (checked int, errs []error) {
	t.Helper()
	d := newDiffer()
	defer func() { t.Logf("replay: %d verdicts of the compiled validator compared with kin-openapi's", d.checked) }()
	for _, x := range traffic {
		req, err := http.NewRequest(x.Method, "http://127.0.0.1"+x.Target, bytes.NewReader(x.ReqBody))
		if err != nil {
			t.Fatal(err)
		}
		req.Header = x.ReqHeader
		for _, r := range rs {
			route, params, err := r.r.FindRoute(req)
			if err != nil {
				continue
			}
			input := &openapi3filter.ResponseValidationInput{
				RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
				Status:                 x.Status,
				Header:                 x.Header,
				Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
			}
			input.SetBodyBytes(x.Body)
			checked++
			if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
				errs = append(errs, fmt.Errorf("replay: %s %s → %d does not conform to %s: %v\nbody: %.500s", x.Method, x.Target, x.Status, r.name, err, x.Body))
			}
			errs = append(errs, d.exchange(x, req, route, params)...)
			break
		}
	}
	return checked, errs
}

type specRouter struct {
	name string
	doc  *openapi3.T
	r    routers.Router
}

// loadSpecRouters builds one kin-openapi router per embedded spec (the
// admin API's among them) and per extra one, routing on a relative server
// as replay does.
func loadSpecRouters(tb testing.TB, extra []vendor.Spec) []specRouter {
	tb.Helper()
	all := slices.Clone(extra)
	for _, name := range append(specs.All(), specs.Admin) {
		all = append(all, vendor.Spec{FS: specs.FS(), File: name})
	}
	var out []specRouter
	for _, sp := range all {
		name := sp.File
		doc, err := specs.Load(context.Background(), sp.FS, name)
		if err != nil {
			tb.Fatal(err)
		}
		// gorillamux matches the servers' host; route on a relative copy,
		// as the published files name the vendors' hosts.
		doc.Servers = openapi3.Servers{{URL: "/"}}
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, specRouter{name, doc, r})
	}
	return out
}

// conforms checks one Exchange against the spec whose route it matches.
// A request that matches no operation has no response schema; it must then
// be a 4xx in one of the vendors' error envelopes.
func conforms(rs []specRouter, x Exchange) error {
	req, err := http.NewRequest(x.Method, "http://127.0.0.1"+x.Target, bytes.NewReader(x.ReqBody))
	if err != nil {
		return fmt.Errorf("rebuilding the request: %v", err)
	}
	req.Header = x.ReqHeader
	for _, r := range rs {
		route, params, err := r.r.FindRoute(req)
		if err != nil {
			if route, params = stageTreesShadow(r, req); route == nil {
				continue
			}
		}
		input := &openapi3filter.ResponseValidationInput{
			RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
			Status:                 x.Status,
			Header:                 x.Header,
			Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
		}
		input.SetBodyBytes(x.Body)
		if err := openapi3filter.ValidateResponse(context.Background(), input); err != nil {
			return fmt.Errorf("%s %.200s → %d does not conform to %s: %v\nbody: %.500s", x.Method, x.Target, x.Status, r.name, err, x.Body)
		}
		return nil
	}
	if x.Status < 400 || x.Status > 499 && x.Status != http.StatusNotImplemented {
		return fmt.Errorf("%s %.200s matches no operation but got %d", x.Method, x.Target, x.Status)
	}
	if Envelope(x.Body) == "" {
		return fmt.Errorf("%s %.200s → %d: body is no vendor's error envelope: %.300s", x.Method, x.Target, x.Status, x.Body)
	}
	return nil
}

// stageTreesShadow routes a write to a ServiceStage file named "trees" at
// the repository root. By OpenAPI's rule (concrete paths first),
// …/{project}/trees is ListTrees and has no POST, PUT or DELETE, so
// kin-openapi finds no operation; repomock serves these as the file
// operations, a documented assumption (README, "Paths"). They are checked
// against those operations.
func stageTreesShadow(r specRouter, req *http.Request) (*routers.Route, map[string]string) {
	const tmpl = "/v1/{project_id}/git/files/{namespace}/{project}/{path}"
	if r.name != specs.ServiceStage || req.Method == http.MethodGet {
		return nil, nil
	}
	segs := strings.Split(strings.TrimPrefix(req.URL.EscapedPath(), "/"), "/")
	if len(segs) != 7 || segs[0] != "v1" || segs[2] != "git" || segs[3] != "files" || segs[6] != "trees" {
		return nil, nil
	}
	item := r.doc.Paths.Value(tmpl)
	if item == nil || item.GetOperation(req.Method) == nil {
		return nil, nil
	}
	params := map[string]string{"project_id": segs[1], "namespace": segs[4], "project": segs[5], "path": segs[6]}
	return &routers.Route{Spec: r.doc, Path: tmpl, PathItem: item, Method: req.Method, Operation: item.GetOperation(req.Method)}, params
}

// Envelope names the vendor error envelope a body is in ("endor",
// "codearts", "huawei"), or "" for none.
func Envelope(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return ""
	}
	onlyKeys := func(keys ...string) bool {
		for k := range m {
			found := false
			for _, want := range keys {
				found = found || k == want
			}
			if !found {
				return false
			}
		}
		return true
	}
	switch {
	case m["code"] != nil && onlyKeys("code", "message", "details"):
		if _, ok := m["code"].(float64); ok {
			if _, ok := m["message"].(string); ok {
				return "endor"
			}
		}
	case m["error"] != nil && onlyKeys("error", "status"):
		e, _ := m["error"].(map[string]any)
		if _, ok := e["code"].(string); ok && m["status"] == "failed" {
			return "codearts"
		}
	case m["error_code"] != nil && onlyKeys("error_code", "error_msg", "request_id"):
		if _, ok := m["error_msg"].(string); ok {
			return "huawei"
		}
	}
	return ""
}
