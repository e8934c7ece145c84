package servicestage_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/repomock/repomock/mock/vendors/servicestage"
	"github.com/repomock/repomock/specs"
)

// The document loads and validates, names the SDK's operations at the
// SDK's paths, declares the gateway's X-Request-Id on every response, and
// cites a source for everything it declares.
func TestSpec(t *testing.T) {
	doc, err := specs.Load(context.Background(), os.DirFS("../../../specs"), specs.ServiceStage)
	if err != nil {
		t.Fatal(err)
	}
	const (
		filePath  = "/v1/{project_id}/git/files/{namespace}/{project}/{path}"
		treesPath = "/v1/{project_id}/git/files/{namespace}/{project}/trees"
	)
	want := map[string]string{ // operationId → method and path, as serviceStage_meta.go has them
		servicestage.OpCreateFile:  "POST " + filePath,
		servicestage.OpShowContent: "GET " + filePath,
		servicestage.OpUpdateFile:  "PUT " + filePath,
		servicestage.OpDeleteFile:  "DELETE " + filePath,
		servicestage.OpListTrees:   "GET " + treesPath,
	}
	got := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			got[op.OperationID] = method + " " + path
			if op.Extensions["x-repomock-source"] == nil {
				t.Errorf("%s: no x-repomock-source", op.OperationID)
			}
			// The gateway names every answer (vendors.md §5).
			for code, resp := range op.Responses.Map() {
				if h := resp.Value.Headers["X-Request-Id"]; h == nil || !h.Value.Required {
					t.Errorf("%s: the %s response does not declare a required X-Request-Id", op.OperationID, code)
				}
			}
			for _, code := range []string{"400", "401"} {
				resp := op.Responses.Value(code)
				if resp == nil || resp.Value.Content.Get("application/json") == nil {
					t.Errorf("%s: no JSON %s response", op.OperationID, code)
					continue
				}
				// The SDK parses error_code and error_msg, whoever answers (a
				// 400 may be ServiceStage's or the gateway's).
				schema := resp.Value.Content.Get("application/json").Schema.Value
				bodies := []*openapi3.Schema{schema}
				if len(schema.OneOf) > 0 {
					bodies = nil
					for _, alt := range schema.OneOf {
						bodies = append(bodies, alt.Value)
					}
				}
				for _, b := range bodies {
					if !slices.Contains(b.Required, "error_code") || !slices.Contains(b.Required, "error_msg") {
						t.Errorf("%s: a %s body does not require error_code and error_msg", op.OperationID, code)
					}
				}
			}
		}
	}
	for id, where := range want {
		if got[id] != where {
			t.Errorf("%s is at %q, want %q", id, got[id], where)
		}
	}
	if len(got) != len(want) {
		t.Errorf("operations = %v, want exactly %v", got, want)
	}
	if handlers := servicestage.New(servicestage.Config{}).Handlers(); len(handlers) != len(want) {
		t.Errorf("%d handlers for %d operations", len(handlers), len(want))
	}

	c := doc.Components
	cited := map[string]map[string]any{}
	for name, s := range c.Schemas {
		cited["schema "+name] = s.Value.Extensions
	}
	for name, p := range c.Parameters {
		cited["parameter "+name] = p.Value.Extensions
	}
	for name, r := range c.Responses {
		cited["response "+name] = r.Value.Extensions
	}
	for name, s := range c.SecuritySchemes {
		cited["security scheme "+name] = s.Value.Extensions
	}
	for name, h := range c.Headers {
		cited["header "+name] = h.Value.Extensions
	}
	for what, ext := range cited {
		if ext["x-repomock-source"] == nil {
			t.Errorf("%s: no x-repomock-source", what)
		}
	}

	// Either credential will do: a token, or the SDK's AK/SK signature.
	if len(doc.Security) != 2 || c.SecuritySchemes["XAuthToken"].Value.Name != "X-Auth-Token" ||
		c.SecuritySchemes["SdkHmacSha256"].Value.Name != "Authorization" {
		t.Errorf("security = %v; want X-Auth-Token or the signed Authorization header", doc.Security)
	}
}
