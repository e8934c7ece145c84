package codearts_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/mock/vendors/codearts"
)

// TestSpec: the document loads and validates, serves exactly the fake's
// operations, cites a source for everything it adds, and declares both
// Huawei auth schemes, a 401 on every operation and the gateway's
// X-Request-Id on every response.
func TestSpec(t *testing.T) {
	doc := loadSpec(t) // specs.Load runs doc.Validate

	var ops []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			ops = append(ops, op.OperationID)
			at := method + " " + path
			if op.Extensions["x-repomock-source"] == nil {
				t.Errorf("%s: no x-repomock-source", at)
			}
			for _, status := range []string{"200", "400", "401", "404", "500"} {
				if op.Responses.Value(status) == nil {
					t.Errorf("%s: no %s response", at, status)
				}
			}
			// The gateway names every answer (vendors.md §5).
			for status, resp := range op.Responses.Map() {
				if h := resp.Value.Headers["X-Request-Id"]; h == nil || !h.Value.Required {
					t.Errorf("%s: the %s response does not declare a required X-Request-Id", at, status)
				}
			}
			for _, p := range op.Parameters {
				if p.Ref == "" && p.Value.Extensions["x-repomock-source"] == nil {
					t.Errorf("%s: parameter %s has no x-repomock-source", at, p.Value.Name)
				}
			}
		}
	}
	slices.Sort(ops)
	want := []string{codearts.OpCreate, codearts.OpDelete, codearts.OpList, codearts.OpShow, codearts.OpShowV1, codearts.OpNameExists, codearts.OpStatus}
	slices.Sort(want)
	if !slices.Equal(ops, want) {
		t.Errorf("operations %v, want %v", ops, want)
	}
	var handlers []string
	for id := range codearts.New(codearts.Config{}).Handlers() {
		handlers = append(handlers, id)
	}
	slices.Sort(handlers)
	if !slices.Equal(handlers, want) {
		t.Errorf("handlers %v, want %v", handlers, want)
	}

	c := doc.Components
	for name, s := range c.Schemas {
		if s.Value.Extensions["x-repomock-source"] == nil {
			t.Errorf("schema %s: no x-repomock-source", name)
		}
	}
	for name, p := range c.Parameters {
		if p.Value.Extensions["x-repomock-source"] == nil {
			t.Errorf("parameter %s: no x-repomock-source", name)
		}
	}
	for name, r := range c.Responses {
		if r.Value.Extensions["x-repomock-source"] == nil {
			t.Errorf("response %s: no x-repomock-source", name)
		}
	}
	for name, s := range c.SecuritySchemes {
		if s.Value.Extensions["x-repomock-source"] == nil {
			t.Errorf("security scheme %s: no x-repomock-source", name)
		}
	}
	for name, h := range c.Headers {
		if h.Value.Extensions["x-repomock-source"] == nil {
			t.Errorf("header %s: no x-repomock-source", name)
		}
	}
	if got := securityHeaders(doc); got != "Authorization X-Auth-Token" {
		t.Errorf("security: either of %q, want Authorization and X-Auth-Token", got)
	}
}

func securityHeaders(doc *openapi3.T) string {
	var names []string
	for _, req := range doc.Security {
		if len(req) != 1 {
			return "a requirement with several schemes"
		}
		for scheme := range req {
			s := doc.Components.SecuritySchemes[scheme].Value
			if s.Type != "apiKey" || s.In != "header" {
				return scheme + " is not a header apiKey"
			}
			names = append(names, s.Name)
		}
	}
	slices.Sort(names)
	return strings.Join(names, " ")
}

// gatewayError is the API gateway's 401 body (vendors.md §3), as the auth
// hook in front of the fake writes it.
// TestGateway401Declared: every operation's 401 takes the gateway's body,
// so the response check passes it through instead of turning it into 500;
// and it takes CodeArts' own 401 body, which ErrorFor makes.
func TestGateway401Declared(t *testing.T) {
	h := serve(t, newFake(nil))
	want := `{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: no X-Auth-Token and no signed Authorization header","request_id":"` + testRequestID + `"}`
	for _, req := range []struct{ method, path, body string }{
		{http.MethodPost, "/v1/repositories", `{"project_uuid":"` + projectA + `","name":"x"}`},
		{http.MethodGet, "/v2/repositories/" + unknownUUID, ""},
		{http.MethodDelete, "/v1/repositories/" + unknownUUID, ""},
		{http.MethodGet, "/v1/repositories/" + unknownUUID + "/status", ""},
		{http.MethodGet, "/v1/projects/" + projectA + "/repositories", ""},
		{http.MethodGet, "/v1/projects/" + projectA + "/repositories/validation/x", ""},
	} {
		t.Run(req.method+" "+req.path, func(t *testing.T) {
			expect(t, do(t, h, req.method, req.path, req.body, "X-Auth-Token", ""), http.StatusUnauthorized, want)
		})
	}
	data, err := json.Marshal(codearts.ErrorFor(http.StatusUnauthorized, ""))
	if err != nil {
		t.Fatal(err)
	}
	var body any
	if err := json.Unmarshal(data, &body); err != nil {
		t.Fatal(err)
	}
	for path, item := range loadSpec(t).Paths.Map() {
		for method, op := range item.Operations() {
			resp := op.Responses.Status(http.StatusUnauthorized)
			if resp == nil || resp.Value.Content.Get("application/json") == nil {
				t.Errorf("%s %s declares no JSON 401", method, path)
				continue
			}
			if err := resp.Value.Content.Get("application/json").Schema.Value.VisitJSON(body); err != nil {
				t.Errorf("%s %s: CodeArts' own 401 body %s breaks the declared 401: %v", method, path, data, err)
			}
		}
	}
}
